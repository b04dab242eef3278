import { Anchor, Card, Group, List, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/problem.js';
import { useCertificatesQuery, useDiagnosticsQuery, useHostsQuery, useProxiesQuery, useRoutingTableQuery, useTrafficQuery } from '../../components/edge-queries.js';
import { Page } from '../../components/page.js';
import { ToneBadge } from '../../components/tone.js';
import { ErrorNotice, Loading, QueryView } from '../../components/states.js';
import { useSession } from '../../session/session.js';
import { acknowledgement, formatMs } from '../hosts/acknowledgement.js';
import { expiringSoon, tallies, trafficTotals, type Tally } from './overview-model.js';
import { propagationSummary, type Readiness } from './propagation.js';

export function OverviewPage() {
  const { api } = useSession();
  const readiness = useQuery({ queryKey: ['readyz'], queryFn: () => fetchReadiness(api), refetchInterval: 5000 });
  const proxies = useProxiesQuery();
  const queries = { hosts: useHostsQuery(), table: useRoutingTableQuery(), certificates: useCertificatesQuery(), diagnostics: useDiagnosticsQuery() };
  const traffic = useTrafficQuery();
  const failed = Object.values(queries).find((q) => q.error)?.error ?? proxies.error;
  const ack = proxies.data ? acknowledgement(proxies.data, proxies.data.generation) : null;

  return (
    <Page title="Overview" description="The whole edge at a glance.">
      <QueryView query={readiness} what="readiness">
        {(r) => (
          <Paper withBorder p="md" aria-label="Configuration" component="section">
            <Text>
              Generation <strong data-testid="generation">{r.generation}</strong>, <span data-testid="propagation">{propagationSummary(r)}</span>
              {ack?.done && ack.generation === r.generation && ack.slowestMs !== null && <span data-testid="propagation-time"> in {formatMs(ack.slowestMs)}</span>}
            </Text>
          </Paper>
        )}
      </QueryView>
      {failed ? (
        <ErrorNotice error={failed} title="Could not load the edge's state" />
      ) : !queries.hosts.data || !queries.table.data || !queries.certificates.data || !queries.diagnostics.data || !proxies.data ? (
        <Loading what="hosts, routes, backends and certificates" />
      ) : (
        <>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} component="section" aria-label="Counts">
            {tallies({ hosts: queries.hosts.data.hosts, table: queries.table.data, certificates: queries.certificates.data, diagnostics: queries.diagnostics.data, proxies: proxies.data }).map((t) => (
              <TallyCard key={t.label} tally={t} />
            ))}
          </SimpleGrid>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder component="section" aria-labelledby="traffic-title">
              <Title order={2} size="h4" id="traffic-title" mb="xs">
                Traffic, last minute
              </Title>
              <TrafficFacts traffic={traffic} />
            </Card>
            <Card withBorder component="section" aria-labelledby="expiring-title">
              <Title order={2} size="h4" id="expiring-title" mb="xs">
                Certificates expiring soon
              </Title>
              <ExpiringList items={expiringSoon(queries.certificates.data, queries.diagnostics.data)} />
            </Card>
          </SimpleGrid>
        </>
      )}
    </Page>
  );
}

function TallyCard({ tally }: { tally: Tally }) {
  return (
    <Card withBorder padding="sm" data-testid={`tally-${tally.label.toLowerCase()}`}>
      <Text size="sm" c="dimmed">
        {tally.label}
      </Text>
      <Text fz={28} fw={700} data-testid="tally-count">
        {tally.count}
      </Text>
      {tally.problems > 0 && tally.to ? (
        <Anchor component={Link} to={tally.to} size="sm" c="red.8" data-testid="tally-problems">
          {tally.problems} {tally.problemWords}
        </Anchor>
      ) : tally.problems > 0 ? (
        <Text size="sm" c="red.8" data-testid="tally-problems">
          {tally.problems} {tally.problemWords}
        </Text>
      ) : (
        <Text size="sm" c="dimmed" data-testid="tally-problems">
          no problems
        </Text>
      )}
    </Card>
  );
}

function TrafficFacts({ traffic }: { traffic: ReturnType<typeof useTrafficQuery> }) {
  if (traffic.isPending) return <Loading what="traffic" />;
  if (traffic.error) return <ErrorNotice error={traffic.error} title="Could not load traffic" />;
  const totals = trafficTotals(traffic.data);
  return (
    <Group gap="xl">
      <div>
        <Text fz={24} fw={700} data-testid="request-rate">
          {totals.requestsPerSecond.toFixed(2)}
        </Text>
        <Text size="sm" c="dimmed">
          requests per second
        </Text>
      </div>
      <div>
        <Text fz={24} fw={700} data-testid="error-rate">
          {totals.errorRate === null ? '—' : `${(totals.errorRate * 100).toFixed(1)}%`}
        </Text>
        <Text size="sm" c="dimmed">
          {totals.errorRate === null ? 'no requests yet' : 'answered with a 5xx'}
        </Text>
      </div>
      <Text size="xs" c="dimmed">
        From {traffic.data.proxies.length} {traffic.data.proxies.length === 1 ? 'proxy' : 'proxies'}; refreshed every 5 s.
      </Text>
    </Group>
  );
}

function ExpiringList({ items }: { items: ReturnType<typeof expiringSoon> }) {
  if (!items.length) return <Text size="sm" c="dimmed">None: no certificate expires within the warning period.</Text>;
  return (
    <List spacing="xs" listStyleType="none">
      {items.map((c) => (
        <List.Item key={c.id}>
          <Group gap="xs">
            <Anchor component={Link} to={`/certificates/${c.namespace}/${c.name}`} size="sm">
              {c.id}
            </Anchor>
            <ToneBadge color={c.daysLeft < 0 ? 'red' : 'yellow'}>
              {c.daysLeft < 0 ? `expired ${-c.daysLeft} days ago` : `${c.daysLeft} days left`}
            </ToneBadge>
          </Group>
        </List.Item>
      ))}
    </List>
  );
}

/** /readyz answers 503 while not ready, with the same body: a state to show, not an error. */
async function fetchReadiness(api: ApiClient): Promise<Readiness> {
  const { data, error, response } = await api.GET('/readyz');
  const body = data ?? (response.status === 503 ? (error as Readiness | undefined) : undefined);
  if (!body) throw new ApiError(response.status, undefined);
  return body;
}
