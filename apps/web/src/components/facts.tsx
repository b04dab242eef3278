import { SimpleGrid, Text } from '@mantine/core';
import type { ReactNode } from 'react';

/** Term and value pairs as a description list, two columns when there is room and one on a phone. */
export function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" verticalSpacing={4} component="dl" style={{ margin: 0 }}>
      {rows.map(([term, value]) => (
        <div key={term}>
          <Text component="dt" size="xs" c="dimmed">
            {term}
          </Text>
          <Text component="dd" size="sm" m={0} style={{ overflowWrap: 'anywhere' }}>
            {value}
          </Text>
        </div>
      ))}
    </SimpleGrid>
  );
}
