import { describe, expect, it } from 'vitest';
import { expiryOf } from './expiry.js';

const WARNING_DAYS = 21;

describe('certificate expiry', () => {
  it('is expired (red) once daysLeft is negative, and says how long ago', () => {
    expect(expiryOf(-1, WARNING_DAYS)).toEqual({ state: 'expired', color: 'red', label: 'expired 1 day ago' });
    expect(expiryOf(-30, WARNING_DAYS).label).toBe('expired 30 days ago');
  });

  it('is soon (yellow) below the warning threshold, including the last day', () => {
    expect(expiryOf(0, WARNING_DAYS)).toEqual({ state: 'soon', color: 'yellow', label: 'expires today' });
    expect(expiryOf(WARNING_DAYS - 1, WARNING_DAYS).state).toBe('soon');
    expect(expiryOf(1, WARNING_DAYS).label).toBe('expires in 1 day');
  });

  it('is fine (teal) at and beyond the threshold', () => {
    expect(expiryOf(WARNING_DAYS, WARNING_DAYS)).toEqual({ state: 'fine', color: 'teal', label: `expires in ${WARNING_DAYS} days` });
    expect(expiryOf(365, WARNING_DAYS).state).toBe('fine');
  });

  it('follows a threshold passed in', () => {
    expect(expiryOf(10, 5).state).toBe('fine');
    expect(expiryOf(4, 5).state).toBe('soon');
  });
});
