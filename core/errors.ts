/**
 * A refusal the kiosk can explain: `code` is stable for programs (tills, tests), `message` is English
 * for logs and tills, `status` maps to HTTP. Texts for staff and customers come from the i18n
 * catalogs keyed by `code`.
 */
export type RefusalCode =
  | 'invalid_request'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'insufficient_balance'
  | 'refund_exceeds_sale'
  | 'amount_over_ceiling'
  | 'unknown_currency'
  | 'payload_too_large'
  | 'unavailable';

const STATUS: Record<RefusalCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  insufficient_balance: 409,
  refund_exceeds_sale: 422,
  amount_over_ceiling: 422,
  unknown_currency: 400,
  payload_too_large: 413,
  unavailable: 503,
};

export class Refusal extends Error {
  readonly status: number;
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'Refusal';
    this.status = STATUS[code];
  }
}

export function isRefusal(error: unknown): error is Refusal {
  return error instanceof Refusal;
}
