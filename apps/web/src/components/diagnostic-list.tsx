import { Group, List, Text } from '@mantine/core';
import type { components } from '../api/schema.gen.js';
import { ToneBadge } from './tone.js';

export type Diagnostic = components['schemas']['Diagnostic'];

const COLOR = { error: 'red', warning: 'yellow', info: 'blue' } as const;

/** Diagnostics as the API states them: severity in words and colour, code, message, and where (object, field, file). */
export function DiagnosticList({ diagnostics, empty }: { diagnostics: Diagnostic[]; empty: string }) {
  if (!diagnostics.length) return <Text size="sm" c="dimmed">{empty}</Text>;
  return (
    <List spacing="xs" listStyleType="none" data-testid="diagnostics">
      {diagnostics.map((d, i) => (
        <List.Item key={`${d.code}-${i}`}>
          <Group gap="xs" wrap="nowrap" align="flex-start">
            <ToneBadge color={COLOR[d.severity]} style={{ flexShrink: 0 }}>
              {d.severity}
            </ToneBadge>
            <div>
              <Text size="sm">
                <strong>{d.code}</strong>: {d.message}
              </Text>
              <Text size="xs" c="dimmed">
                {[d.object && `${d.object.kind} ${d.object.namespace ? `${d.object.namespace}/` : ''}${d.object.name}`, d.field, d.file && `${d.file}${d.line ? `:${d.line}` : ''}`].filter(Boolean).join(' · ')}
              </Text>
            </div>
          </Group>
        </List.Item>
      ))}
    </List>
  );
}
