import { Alert, Badge, type AlertProps, type BadgeProps } from '@mantine/core';
import type { CSSProperties, ReactNode } from 'react';

/**
 * Mantine's light variants draw text in the colour's middle shade, which falls short of WCAG AA (4.5:1) on its own
 * tint; axe checks every page. The colour stays in the background; the text takes the darkest shade of the hues dark
 * enough for it, and near-black for the others (teal, green, yellow, orange: even their shade 9 fails on the tint).
 */
const DARK_ENOUGH = new Set(['red', 'blue', 'grape', 'indigo', 'violet', 'gray']);

export function readableText(color: string): string {
  return DARK_ENOUGH.has(color) ? `${color}.9` : 'dark.7';
}

/** A light badge whose words are readable whatever its colour. */
export function ToneBadge({ color = 'gray', children, style, ...props }: BadgeProps & { color?: string; children: ReactNode; title?: string; 'data-expiry'?: string; style?: CSSProperties }) {
  return (
    <Badge color={color} c={readableText(color)} variant="light" style={{ textTransform: 'none', ...style }} {...props}>
      {children}
    </Badge>
  );
}

/** A light alert whose title is readable whatever its colour. */
export function Notice({ color = 'blue', children, ...props }: AlertProps & { color?: string; children: ReactNode }) {
  const text = readableText(color).replace(/^(\w+)\.(\d)$/, 'var(--mantine-color-$1-$2)');
  return (
    <Alert color={color} variant="light" styles={{ title: { color: text } }} {...props}>
      {children}
    </Alert>
  );
}
