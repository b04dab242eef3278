import type { CSSProperties } from 'react';

/**
 * Text in a colour that stays readable (WCAG AA, checked by axe) on that colour's light tint: Mantine's light variants
 * use a shade that falls below 4.5:1 for several colours, so text takes the darkest shade, darkened by 40% (yellow needs that much).
 */
export const readableText = (color: string) => `color-mix(in srgb, var(--mantine-color-${color}-9) 60%, black)`;

/** For a light Badge: its text colour comes from this variable. */
export const readableBadge = (color: string) => ({ '--badge-color': readableText(color) }) as CSSProperties;
