import { Anchor, Chip, Group, Paper, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useSearchParams } from 'react-router';
import { unwrap } from '../../api/problem.js';
import { Page } from '../../components/page.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { useSession } from '../../session/session.js';
import { filterDiagnostics, groupDiagnostics, objectLabel, objectLink, SEVERITIES, type Diagnostic, type GroupBy, type Severity } from './diagnostic-groups.js';
import { ToneBadge } from '../../components/tone.js';

const SEVERITY_COLOR = { error: 'red', warning: 'yellow', info: 'blue' } as const;
const GROUPINGS: Array<{ value: GroupBy; label: string }> = [
  { value: 'severity', label: 'Severity' },
  { value: 'kind', label: 'Kind' },
  { value: 'object', label: 'Object' },
  { value: 'code', label: 'Code' },
];

/** Every current diagnostic, filtered and grouped as the URL says (so a filtered view is a link). */
export function DiagnosticsPage() {
  const { api } = useSession();
  const diagnostics = useQuery({ queryKey: ['diagnostics'], queryFn: () => unwrap(api.GET('/api/v1/diagnostics')) });
  const [params, setParams] = useSearchParams();
  const severities = params.getAll('severity').filter((s): s is Severity => (SEVERITIES as string[]).includes(s));
  const kind = params.get('kind');
  const text = params.get('q') ?? '';
  const groupBy = (GROUPINGS.find((g) => g.value === params.get('group'))?.value ?? 'severity') as GroupBy;
  const update = (change: (next: URLSearchParams) => void) => {
    const next = new URLSearchParams(params);
    change(next);
    setParams(next, { replace: true });
  };

  return (
    <Page title="Diagnostics" description="Everything Portico found wrong or worth knowing in the current objects, with where it is.">
      <QueryView query={diagnostics} what="diagnostics">
        {({ diagnostics: all, generation }) => {
          const kinds = [...new Set(all.map((d) => d.object?.kind ?? 'controller'))].sort();
          const shown = filterDiagnostics(all, { severities, kind, text });
          return (
            <Stack gap="md">
              <Paper withBorder p="sm" role="search" aria-label="Filter diagnostics">
                <Group align="flex-end" gap="md" wrap="wrap">
                  <Stack gap={4}>
                    <Text size="sm" fw={500} id="severity-label">
                      Severity
                    </Text>
                    <Chip.Group multiple value={severities} onChange={(values) => update((next) => { next.delete('severity'); for (const v of values) next.append('severity', v); })}>
                      <Group gap={6} role="group" aria-labelledby="severity-label">
                        {SEVERITIES.map((s) => (
                          <Chip key={s} value={s} size="sm">
                            {s} ({all.filter((d) => d.severity === s).length})
                          </Chip>
                        ))}
                      </Group>
                    </Chip.Group>
                  </Stack>
                  <Select label="Kind" placeholder="any" clearable data={kinds} value={kind} onChange={(value) => update((next) => (value ? next.set('kind', value) : next.delete('kind')))} w={170} />
                  <TextInput label="Object or text" placeholder="shop/web, SecretNotFound…" value={text} onChange={(e) => { const value = e.currentTarget.value; update((next) => (value ? next.set('q', value) : next.delete('q'))); }} w={{ base: '100%', xs: 240 }} />
                  <Stack gap={4}>
                    <Text size="sm" fw={500} id="group-label">
                      Group by
                    </Text>
                    <SegmentedControl aria-labelledby="group-label" data={GROUPINGS} value={groupBy} onChange={(value) => update((next) => next.set('group', value))} size="sm" />
                  </Stack>
                </Group>
              </Paper>
              <Text size="sm" c="dimmed" data-testid="diagnostic-count">
                {shown.length} of {all.length} diagnostics, generation {generation}
              </Text>
              {all.length === 0 ? (
                <EmptyState title="No diagnostics">Every object compiles cleanly and no certificate is close to expiry.</EmptyState>
              ) : shown.length === 0 ? (
                <EmptyState title="No diagnostic matches these filters">Clear a filter to see the others.</EmptyState>
              ) : (
                groupDiagnostics(shown, groupBy).map((group) => (
                  <Stack key={group.key} gap="xs" component="section" aria-label={`${group.key} (${group.items.length})`}>
                    <Title order={2} size="h5">
                      {group.key} <Text span c="dimmed">({group.items.length})</Text>
                    </Title>
                    {group.items.map((d, i) => (
                      <DiagnosticCard key={`${group.key}-${i}`} diagnostic={d} />
                    ))}
                  </Stack>
                ))
              )}
            </Stack>
          );
        }}
      </QueryView>
    </Page>
  );
}

function DiagnosticCard({ diagnostic: d }: { diagnostic: Diagnostic }) {
  const link = objectLink(d);
  return (
    <Paper withBorder p="sm" data-diagnostic={d.code}>
      <Group gap="xs" wrap="wrap">
        <ToneBadge color={SEVERITY_COLOR[d.severity]}>
          {d.severity}
        </ToneBadge>
        <Text fw={600} size="sm">
          {d.code}
        </Text>
        {link ? (
          <Anchor component={Link} to={link} size="sm">
            {objectLabel(d)}
          </Anchor>
        ) : (
          <Text size="sm">{objectLabel(d)}</Text>
        )}
      </Group>
      <Text size="sm" mt={4}>
        {d.message}
      </Text>
      {(d.field || d.file) && (
        <Text size="xs" c="dimmed" mt={2}>
          {d.field && <>at <code>{d.field}</code></>}
          {d.file && ` in ${d.file}${d.line ? `:${d.line}` : ''}`}
        </Text>
      )}
    </Paper>
  );
}
