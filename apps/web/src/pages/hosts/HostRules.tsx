import { Card, Table, Text, Title } from '@mantine/core';
import { ScrollTable } from '../../components/scroll-table.js';
import { formatMs } from './acknowledgement.js';
import type { HostDetail, TrafficSummary } from './host-types.js';
import { serviceName, type RoutingTable } from '../routes/route-graph.js';

/** The host's rules in match order, with the backend and balancer of each and its traffic over the last minute. */
export function HostRules({ host, table, traffic }: { host: HostDetail; table: RoutingTable | undefined; traffic: TrafficSummary | undefined }) {
  const clusters = new Map((table?.clusters ?? []).map((c) => [c.id, c]));
  const stats = new Map((traffic?.routes ?? []).filter((r) => r.host === host.host).map((r) => [r.route, r]));
  return (
    <Card withBorder component="section" aria-labelledby="rules-title">
      <Title order={2} size="h4" id="rules-title" mb="xs">
        Rules {host.mode === 'passthrough' && <Text span size="sm" c="dimmed">(not applied while passthrough is on: every connection goes to the first path's backend)</Text>}
      </Title>
      {host.routeList.length === 0 ? (
        <Text size="sm" c="dimmed">This host has no path rules.</Text>
      ) : (
        <ScrollTable label="Rules of this host" minWidth={760} data-testid="host-rules">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Path</Table.Th>
                <Table.Th scope="col">Type</Table.Th>
                <Table.Th scope="col">Backend</Table.Th>
                <Table.Th scope="col">Rewrite</Table.Th>
                <Table.Th scope="col">Balancer</Table.Th>
                <Table.Th scope="col">Requests/s</Table.Th>
                <Table.Th scope="col">Errors</Table.Th>
                <Table.Th scope="col">p95</Table.Th>
                <Table.Th scope="col">From</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {host.routeList.map((route) => {
                const cluster = clusters.get(route.clusterId);
                const s = stats.get(route.id);
                return (
                  <Table.Tr key={route.id}>
                    <Table.Td ff="monospace">{route.path}</Table.Td>
                    <Table.Td>{route.pathType}</Table.Td>
                    <Table.Td>{cluster ? serviceName(cluster) : route.clusterId}</Table.Td>
                    <Table.Td ff="monospace">{route.rewrite ? `${route.rewrite.from} → ${route.rewrite.to}` : '—'}</Table.Td>
                    <Table.Td>{cluster ? `${cluster.lb}${cluster.sessionSticky ? ', sticky' : ''}` : '—'}</Table.Td>
                    <Table.Td>{s ? s.requestsPerSecond.toFixed(2) : '0'}</Table.Td>
                    <Table.Td>{s ? `${(s.errorRate * 100).toFixed(1)}%` : '—'}</Table.Td>
                    <Table.Td>{s?.latencyMs.p95 != null ? formatMs(s.latencyMs.p95) : '—'}</Table.Td>
                    <Table.Td>
                      <Text size="xs">
                        {route.source.ingress.namespace ?? 'default'}/{route.source.ingress.name} {route.source.field}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </ScrollTable>
      )}
      <Text size="xs" c="dimmed" mt="xs">
        Traffic over the last {traffic?.windowSeconds ?? 60} s, from every proxy that reported.
      </Text>
    </Card>
  );
}
