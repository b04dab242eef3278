import { Badge } from '@mantine/core';
import { expiryOf } from './expiry.js';

/** Days left in colour and in words (never colour alone); the exact time is in the title. */
export function ExpiryBadge({ daysLeft, notAfter }: { daysLeft: number; notAfter: string }) {
  const expiry = expiryOf(daysLeft);
  return (
    <Badge color={expiry.color} variant="light" data-expiry={expiry.state} title={`not after ${new Date(notAfter).toUTCString()}`} style={{ textTransform: 'none' }}>
      {expiry.label}
    </Badge>
  );
}
