import { describe, expect, it } from 'vitest';
import { EXPIRY_WARNING_DAYS, expiryOf } from './expiry.js';

describe('certificate expiry', () => {
  it('is expired (red) once daysLeft is negative, and says how long ago', () => {
    expect(expiryOf(-1)).toEqual({ state: 'expired', color: 'red', label: 'expired 1 day ago' });
    expect(expiryOf(-30).label).toBe('expired 30 days ago');
  });

  it('is soon (yellow) below the warning threshold, including the last day', () => {
    expect(expiryOf(0)).toEqual({ state: 'soon', color: 'yellow', label: 'expires today' });
    expect(expiryOf(EXPIRY_WARNING_DAYS - 1).state).toBe('soon');
    expect(expiryOf(1).label).toBe('expires in 1 day');
  });

  it('is fine (teal) at and beyond the threshold', () => {
    expect(expiryOf(EXPIRY_WARNING_DAYS)).toEqual({ state: 'fine', color: 'teal', label: `expires in ${EXPIRY_WARNING_DAYS} days` });
    expect(expiryOf(365).state).toBe('fine');
  });

  it('follows a threshold passed in', () => {
    expect(expiryOf(10, 5).state).toBe('fine');
    expect(expiryOf(4, 5).state).toBe('soon');
  });
});
