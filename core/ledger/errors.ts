export type LoyaltyErrorCode =
  | 'currency_mismatch'
  | 'unknown_sale'
  | 'already_refunded'
  | 'refund_too_large'
  | 'bad_refund'
  | 'unknown_reward'
  | 'insufficient_points'
  | 'insufficient_stamps';

/**
 * A refusal of the loyalty rules. `message` is English for logs and the staff screen; `code` lets a
 * caller map it to a translated text or an HTTP status. Nothing has been computed when it is thrown.
 */
export class LoyaltyError extends Error {
  override readonly name = 'LoyaltyError';
  constructor(
    readonly code: LoyaltyErrorCode,
    message: string,
  ) {
    super(message);
  }
}
