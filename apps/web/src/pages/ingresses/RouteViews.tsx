import { List, Stack, Table, Text, Title } from '@mantine/core';
import { TableHead } from '../../components/table-head.js';
import type { CompiledRoute, Diagnostic, DryRun } from './ingress-types.js';
import { Notice, ToneBadge } from '../../components/tone.js';
import { ScrollTable } from '../../components/scroll-table.js';

const SEVERITY_COLOR = { error: 'red', warning: 'yellow', info: 'blue' } as const;

/** Where a route sends traffic, in words: `shop/web:80`, plus a rewrite when there is one. */
function backendOf(route: CompiledRoute): string {
  return route.rewrite ? `${route.clusterId} (path rewritten ${route.rewrite.from} → ${route.rewrite.to})` : route.clusterId;
}

export function RouteTable({ routes, caption, change }: { routes: CompiledRoute[]; caption: string; change?: 'added' | 'removed' }) {
  return (
    <ScrollTable minWidth={560} label={caption} data-change={change}>
        <Table.Caption style={{ captionSide: 'top', textAlign: 'left' }}>{caption}</Table.Caption>
        <TableHead columns={['Host', 'Path', 'Match', 'Backend']} />
        <Table.Tbody>
          {routes.map((route) => (
            <Table.Tr key={`${route.host}|${route.pathType}|${route.path}`}>
              <Table.Td>{route.host === '*' ? 'any host' : route.host}</Table.Td>
              <Table.Td>
                <code>{route.path}</code>
              </Table.Td>
              <Table.Td>
                {route.pathType}
                {route.declaredPathType !== route.pathType ? ` (declared ${route.declaredPathType})` : ''}
              </Table.Td>
              <Table.Td>{backendOf(route)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </ScrollTable>
  );
}

export function DiagnosticList({ diagnostics }: { diagnostics: Diagnostic[] }) {
  if (!diagnostics.length) return <Text size="sm">No diagnostics.</Text>;
  return (
    <List size="sm" spacing={4}>
      {diagnostics.map((d, i) => (
        <List.Item key={i} icon={<ToneBadge color={SEVERITY_COLOR[d.severity]} size="sm">{d.severity}</ToneBadge>}>
          <Text span size="sm" fw={600}>
            {d.code}
          </Text>
          {d.field && (
            <Text span size="sm" c="dimmed">
              {' '}
              at {d.field}
            </Text>
          )}
          : {d.message}
        </List.Item>
      ))}
    </List>
  );
}

/** What saving would do to the routing table: the dry run's added, removed and changed routes, and diagnostics. */
export function RoutePreview({ preview }: { preview: DryRun }) {
  const { added, removed, changed } = preview.changes;
  const nothing = !added.length && !removed.length && !changed.length;
  return (
    <Stack gap="sm" data-testid="route-preview" aria-live="polite">
      <Title order={2} size="h4">
        Preview: what saving changes
      </Title>
      {nothing && <Text>The routing table stays the same.</Text>}
      {added.length > 0 && <RouteTable routes={added} caption={`${count(added.length)} added`} change="added" />}
      {removed.length > 0 && <RouteTable routes={removed} caption={`${count(removed.length)} removed`} change="removed" />}
      {changed.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {count(changed.length)} changed
          </Text>
          <List size="sm">
            {changed.map(({ before, after }) => (
              <List.Item key={`${after.host}|${after.pathType}|${after.path}`}>
                {after.host} <code>{after.path}</code> ({after.pathType}): {backendOf(before)} → {backendOf(after)}
                {before.source.ingress.name !== after.source.ingress.name ? ` (now from Ingress ${after.source.ingress.namespace ?? 'default'}/${after.source.ingress.name})` : ''}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
      <RouteTable routes={preview.routes} caption={`This Ingress would serve ${count(preview.routes.length)}`} />
      {preview.diagnostics.length > 0 && (
        <Notice color="yellow" title="Diagnostics it would have">
          <DiagnosticList diagnostics={preview.diagnostics} />
        </Notice>
      )}
    </Stack>
  );
}

const count = (n: number) => (n === 1 ? '1 route' : `${n} routes`);
