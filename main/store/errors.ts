/**
 * Errors the store throws. Each message says what was wrong and what to do, in English for the log;
 * callers that show it to staff map the class to a catalog message.
 */
export class StoreError extends Error {
  override name = 'StoreError';
}

/** Input failed validation; nothing was written. */
export class StoreInputError extends StoreError {
  override name = 'StoreInputError';
}

/** The input contradicts what is already stored (same id, different content); nothing was written. */
export class StoreConflictError extends StoreError {
  override name = 'StoreConflictError';
}

/** Another process holds the store for writing. */
export class StoreLockedError extends StoreError {
  override name = 'StoreLockedError';
  constructor(
    message: string,
    readonly path: string,
    readonly holderPid: number | undefined,
  ) {
    super(message);
  }
}

/** The database was written by a newer version of the kiosk than this one. */
export class StoreTooNewError extends StoreError {
  override name = 'StoreTooNewError';
}
