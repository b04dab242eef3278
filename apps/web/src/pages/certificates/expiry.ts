/**
 * How close a certificate is to expiry, in three states a person can act on. `warningDays` is the threshold of the
 * API's CertificateExpiring diagnostics (--cert-expiry-warning-days), which the certificate answers carry, so the
 * colours and the diagnostics never disagree.
 */
export type ExpiryState = 'expired' | 'soon' | 'fine';

export interface Expiry {
  state: ExpiryState;
  color: 'red' | 'yellow' | 'teal';
  /** Words that carry the state without colour, e.g. "expires in 3 days". */
  label: string;
}

export function expiryOf(daysLeft: number, warningDays: number): Expiry {
  const label = expiryLabel(daysLeft);
  if (daysLeft < 0) return { state: 'expired', color: 'red', label };
  return daysLeft < warningDays ? { state: 'soon', color: 'yellow', label } : { state: 'fine', color: 'teal', label };
}

/** "expires in 3 days", "expired 2 days ago". */
export function expiryLabel(daysLeft: number): string {
  if (daysLeft < 0) return `expired ${days(-daysLeft)} ago`;
  return daysLeft === 0 ? 'expires today' : `expires in ${days(daysLeft)}`;
}

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);
