import { Anchor, Button, Group, Table, Text, TextInput } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { unwrap } from '../../api/problem.js';
import { TableHead } from '../../components/table-head.js';
import { Page } from '../../components/page.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { WriteButton } from '../../components/write-button.js';
import { useSession } from '../../session/session.js';
import { ingressPath, type IngressView } from './ingress-types.js';
import { ToneBadge } from '../../components/tone.js';
import { ScrollTable } from '../../components/scroll-table.js';

const FILTERS = [
  { key: 'namespace', label: 'Namespace', placeholder: 'all' },
  { key: 'host', label: 'Host', placeholder: 'any' },
  { key: 'class', label: 'Class', placeholder: 'any' },
] as const;

/** Every Ingress, filtered by namespace, host and class; the filters live in the URL, so a filtered list is a link. */
export function IngressList() {
  const { api } = useSession();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = Object.fromEntries([...FILTERS.map((f) => f.key), 'continue'].flatMap((key) => (params.get(key) ? [[key, params.get(key)!]] : [])));
  const list = useQuery({
    queryKey: ['ingresses', 'list', query],
    queryFn: () => unwrap(api.GET('/api/v1/ingresses', { params: { query } })),
    placeholderData: keepPreviousData,
  });
  const setFilter = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('continue');
    setParams(next, { replace: true });
  };
  return (
    <Page
      title="Ingresses"
      description="Each Ingress with the routes Portico compiled from it and its problems."
      actions={<WriteButton onClick={() => void navigate('/ingresses/new')}>New Ingress</WriteButton>}
    >
      <Group align="flex-end" gap="sm" role="search" aria-label="Filter Ingresses">
        {FILTERS.map((f) => (
          <TextInput key={f.key} label={f.label} placeholder={f.placeholder} value={params.get(f.key) ?? ''} onChange={(e) => setFilter(f.key, e.currentTarget.value.trim())} w={{ base: '100%', xs: 200 }} />
        ))}
      </Group>
      <QueryView query={list} what="Ingresses">
        {({ items, continue: next }) =>
          items.length === 0 ? (
            <EmptyState title={Object.keys(query).length ? 'No Ingress matches these filters' : 'No Ingresses yet'}>
              {Object.keys(query).length ? 'Clear a filter to see more.' : 'Create one with New Ingress, or add a manifest to the store.'}
            </EmptyState>
          ) : (
            <>
              <ScrollTable minWidth={720} label="Ingresses" striped highlightOnHover>
                  <TableHead columns={['Ingress', 'Class', 'Hosts', 'Routes', 'Problems']} />
                  <Table.Tbody>
                    {items.map((item) => (
                      <IngressRow key={`${item.object?.metadata?.namespace}/${item.object?.metadata?.name}`} item={item} />
                    ))}
                  </Table.Tbody>
                </ScrollTable>
              {next && (
                <Button variant="light" w="fit-content" onClick={() => setParams(new URLSearchParams({ ...Object.fromEntries(params), continue: next }))}>
                  Next page
                </Button>
              )}
            </>
          )
        }
      </QueryView>
    </Page>
  );
}

function IngressRow({ item }: { item: IngressView }) {
  const metadata = item.object?.metadata;
  const namespace = metadata?.namespace ?? 'default';
  const name = metadata?.name ?? '';
  const spec = item.object?.spec;
  const hosts = [...new Set([...(spec?.rules ?? []).map((r) => r.host ?? '*'), ...(spec?.tls ?? []).flatMap((t) => t.hosts ?? [])])];
  const errors = item.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = item.diagnostics.filter((d) => d.severity === 'warning').length;
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={ingressPath(namespace, name)}>
          {namespace}/{name}
        </Anchor>
      </Table.Td>
      <Table.Td>{spec?.ingressClassName ?? metadata?.annotations?.['kubernetes.io/ingress.class'] ?? 'default'}</Table.Td>
      <Table.Td>
        <Text size="sm">{hosts.join(', ') || 'any host (default backend)'}</Text>
      </Table.Td>
      <Table.Td>{item.routes.length}</Table.Td>
      <Table.Td>
        {errors + warnings === 0 ? (
          'none'
        ) : (
          <Group gap={4}>
            {errors > 0 && <ToneBadge color="red">{errors} error{errors > 1 ? 's' : ''}</ToneBadge>}
            {warnings > 0 && <ToneBadge color="yellow">{warnings} warning{warnings > 1 ? 's' : ''}</ToneBadge>}
          </Group>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
