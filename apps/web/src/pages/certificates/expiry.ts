/**
 * How close a certificate is to expiry, in three states a person can act on. The API raises CertificateExpiring
 * diagnostics 21 days ahead by default (--cert-expiry-warning-days); it does not publish the configured value, so the
 * dashboard uses the same default.
 */
export const EXPIRY_WARNING_DAYS = 21;

export type ExpiryState = 'expired' | 'soon' | 'fine';

export interface Expiry {
  state: ExpiryState;
  color: 'red' | 'yellow' | 'teal';
  /** Words that carry the state without colour, e.g. "expires in 3 days". */
  label: string;
}

export function expiryOf(daysLeft: number, warningDays: number = EXPIRY_WARNING_DAYS): Expiry {
  if (daysLeft < 0) {
    const ago = -daysLeft;
    return { state: 'expired', color: 'red', label: ago === 0 ? 'expired today' : `expired ${days(ago)} ago` };
  }
  const label = daysLeft === 0 ? 'expires today' : `expires in ${days(daysLeft)}`;
  return daysLeft < warningDays ? { state: 'soon', color: 'yellow', label } : { state: 'fine', color: 'teal', label };
}

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);
