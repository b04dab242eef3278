import { Table, type TableProps } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * A table that scrolls sideways on a narrow screen. The scrolling box is a focusable, labelled region, so keyboard
 * users can scroll it too (axe: scrollable-region-focusable).
 */
export function ScrollTable({ label, minWidth, children, ...props }: TableProps & { label: string; minWidth: number; children: ReactNode }) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
      <Table miw={minWidth} {...props}>
        {children}
      </Table>
    </div>
  );
}
