import { expiryOf } from './expiry.js';
import { ToneBadge } from '../../components/tone.js';

/** Days left in colour and in words (never colour alone); the exact time is in the title. */
/** `warningDays`: the API's expiry-warning threshold (the certificate list and detail carry it). */
export function ExpiryBadge({ daysLeft, notAfter, warningDays }: { daysLeft: number; notAfter: string; warningDays: number }) {
  const expiry = expiryOf(daysLeft, warningDays);
  return (
    <ToneBadge color={expiry.color} data-expiry={expiry.state} title={`not after ${new Date(notAfter).toUTCString()}`}>
      {expiry.label}
    </ToneBadge>
  );
}
