import { Anchor, Card, Group, Stack, Text, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/problem.js';
import { useHostQuery, useRoutingTableQuery, useTrafficQuery } from '../../components/edge-queries.js';
import { DiagnosticList } from '../../components/diagnostic-list.js';
import { hostModes } from '../../components/host-modes.js';
import { Page } from '../../components/page.js';
import { EmptyState, ErrorNotice, Loading } from '../../components/states.js';
import { TlsModeBadge } from '../../components/tls-mode.js';
import { HostRules } from './HostRules.js';
import { HostTls } from './HostTls.js';
import { PassthroughSwitch } from './PassthroughSwitch.js';

export function HostPage() {
  const host = useParams().host ?? ''; // already decoded by the router
  const detail = useHostQuery(host);
  const table = useRoutingTableQuery();
  const traffic = useTrafficQuery();
  return (
    <Page title={host} description={<Anchor component={Link} to={`/routes?host=${encodeURIComponent(host)}`} size="sm">See it on the route map</Anchor>}>
      {detail.isPending ? (
        <Loading what={`host ${host}`} />
      ) : detail.error instanceof ApiError && detail.error.status === 404 ? (
        <EmptyState title={`No host ${host}`}>No Ingress has a rule for this host now. It may have been removed; the Routes page lists every host.</EmptyState>
      ) : detail.error ? (
        <ErrorNotice error={detail.error} title={`Could not load host ${host}`} />
      ) : (
        <Stack gap="md">
          <Group gap="xs" data-testid="host-modes">
            {hostModes(detail.data).map((mode) => (
              <TlsModeBadge key={mode} mode={mode} />
            ))}
            <Text size="sm" c="dimmed">
              from{' '}
              {detail.data.ingresses.map((i, n) => (
                <span key={`${i.namespace}/${i.name}`}>
                  {n > 0 && ', '}
                  <Anchor component={Link} to={`/ingresses/${i.namespace ?? 'default'}/${i.name}`} size="sm">
                    Ingress {i.namespace ?? 'default'}/{i.name}
                  </Anchor>
                </span>
              ))}
            </Text>
          </Group>
          {detail.data.match === 'exact' && <PassthroughSwitch host={detail.data} />}
          <HostTls host={detail.data} />
          <HostRules host={detail.data} table={table.data} traffic={traffic.data} />
          <Card withBorder component="section" aria-labelledby="host-diagnostics-title">
            <Title order={2} size="h4" id="host-diagnostics-title" mb="xs">
              Diagnostics
            </Title>
            <DiagnosticList diagnostics={detail.data.diagnostics} empty="No diagnostics: nothing wrong is known about this host." />
          </Card>
        </Stack>
      )}
    </Page>
  );
}
