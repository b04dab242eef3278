import { Accordion, Anchor, Code, Group, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { stringify } from 'yaml';
import type { components } from '../../api/schema.gen.js';
import { unwrap } from '../../api/problem.js';
import { Page } from '../../components/page.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { useSession } from '../../session/session.js';
import { changedPaths } from './audit-diff.js';
import { ToneBadge } from '../../components/tone.js';

type AuditEntry = components['schemas']['AuditList']['entries'][number];

const LIMIT = 200;

/** Who changed what through the API, and when, newest first; each entry opens to the fields changed and before/after. */
export function AuditPage() {
  const { api } = useSession();
  const audit = useQuery({ queryKey: ['audit'], queryFn: () => unwrap(api.GET('/api/v1/audit', { params: { query: { limit: LIMIT } } })) });
  return (
    <Page title="Audit log" description={`Changes made through the admin API (the API keeps the last 1000 in memory; the newest ${LIMIT} are shown). Secret data is never recorded.`}>
      <QueryView query={audit} what="the audit log">
        {({ entries }) =>
          entries.length === 0 ? (
            <EmptyState title="No changes yet">Changes made through the API or this dashboard appear here. Edits to manifests or with kubectl are not API changes.</EmptyState>
          ) : (
            <Accordion variant="separated" chevronPosition="left" multiple>
              {entries.map((entry) => (
                <AuditItem key={entry.id} entry={entry} />
              ))}
            </Accordion>
          )
        }
      </QueryView>
    </Page>
  );
}

function targetLink(target: AuditEntry['target']): string | null {
  const namespace = target.namespace ?? 'default';
  if (target.kind === 'Ingress') return `/ingresses/${namespace}/${target.name}`;
  if (target.kind === 'Secret') return `/certificates/${namespace}/${target.name}`;
  return null;
}

function AuditItem({ entry }: { entry: AuditEntry }) {
  const target = `${entry.target.kind} ${entry.target.namespace ? `${entry.target.namespace}/` : ''}${entry.target.name}`;
  const link = targetLink(entry.target);
  const changed = changedPaths(entry.before, entry.after);
  return (
    <Accordion.Item value={entry.id} data-audit-action={entry.action}>
      <Accordion.Control>
        <Group gap="xs" wrap="wrap">
          <Text size="sm" c="dimmed" component="time" dateTime={entry.time}>
            {new Date(entry.time).toLocaleString()}
          </Text>
          <ToneBadge color="gray">
            {entry.actor}
          </ToneBadge>
          <Text size="sm" fw={600}>
            {entry.action}
          </Text>
          <Text size="sm">{target}</Text>
        </Group>
      </Accordion.Control>
      <Accordion.Panel>
        <Stack gap="xs">
          {link && (
            <Anchor component={Link} to={link} size="sm">
              Open {target}
            </Anchor>
          )}
          <Text size="sm">
            {entry.before === null ? 'Created.' : entry.after === null ? 'Deleted.' : changed.length ? `Changed: ${changed.join(', ')}` : 'No field changed (only its version).'}
          </Text>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Snapshot title="Before" value={entry.before} />
            <Snapshot title="After" value={entry.after} />
          </SimpleGrid>
        </Stack>
      </Accordion.Panel>
    </Accordion.Item>
  );
}

function Snapshot({ title, value }: { title: string; value: AuditEntry['before'] }) {
  return (
    <Stack gap={4}>
      <Text size="xs" fw={600}>
        {title}
      </Text>
      {value === null ? (
        <Text size="sm" c="dimmed">
          nothing
        </Text>
      ) : (
        <Code block style={{ maxHeight: 320, overflow: 'auto' }} tabIndex={0} role="region" aria-label={`${title} (YAML)`}>
          {stringify(value, { lineWidth: 0 })}
        </Code>
      )}
    </Stack>
  );
}
