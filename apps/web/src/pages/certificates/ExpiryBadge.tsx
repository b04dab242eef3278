import { expiryOf } from './expiry.js';
import { ToneBadge } from '../../components/tone.js';

/** Days left in colour and in words (never colour alone); the exact time is in the title. */
export function ExpiryBadge({ daysLeft, notAfter }: { daysLeft: number; notAfter: string }) {
  const expiry = expiryOf(daysLeft);
  return (
    <ToneBadge color={expiry.color} data-expiry={expiry.state} title={`not after ${new Date(notAfter).toUTCString()}`}>
      {expiry.label}
    </ToneBadge>
  );
}
