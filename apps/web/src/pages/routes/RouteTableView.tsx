import { Anchor, Group, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { hostModes, hostPath, type HostSummary } from '../../components/host-modes.js';
import { ScrollTable } from '../../components/scroll-table.js';
import { TlsModeBadge } from '../../components/tls-mode.js';
import { hostSteps, serviceName, type RoutingTable } from './route-graph.js';

/** The route map as rows: one per path (one per passthrough host), for reading, sorting by eye and screen readers. */
export function RouteTableView({ hosts, table }: { hosts: HostSummary[]; table: RoutingTable }) {
  const clusters = new Map(table.clusters.map((c) => [c.id, c]));
  const rows = hosts.flatMap((summary) => hostSteps(summary, table).map((step) => ({ summary, step, cluster: clusters.get(step.clusterId) })));
  return (
    <ScrollTable label="Routes table" minWidth={720} striped highlightOnHover data-testid="route-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Host</Table.Th>
            <Table.Th scope="col">TLS</Table.Th>
            <Table.Th scope="col">Path</Table.Th>
            <Table.Th scope="col">Match</Table.Th>
            <Table.Th scope="col">Service</Table.Th>
            <Table.Th scope="col">Endpoints</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map(({ summary, step, cluster }) => {
            const ready = cluster?.endpoints.filter((e) => e.ready).length ?? 0;
            return (
              <Table.Tr key={`${summary.host} ${step.key}`} data-host={summary.host}>
                <Table.Td>
                  <Anchor component={Link} to={hostPath(summary.host)} size="sm">
                    {summary.host}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    {hostModes(summary).map((mode) => (
                      <TlsModeBadge key={mode} mode={mode} />
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td ff="monospace">{step.label}</Table.Td>
                <Table.Td>{step.detail}</Table.Td>
                <Table.Td>{cluster ? serviceName(cluster) : step.clusterId}</Table.Td>
                <Table.Td>
                  <Text size="sm" c={cluster && ready === 0 ? 'red.8' : undefined}>
                    {cluster ? `${ready}/${cluster.endpoints.length} ready` : 'unknown'}
                  </Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </ScrollTable>
  );
}
