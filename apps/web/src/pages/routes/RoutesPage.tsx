import { Button, Group, SegmentedControl, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { hostNamespaces } from '../../components/host-modes.js';
import { useHostsQuery, useRoutingTableQuery } from '../../components/edge-queries.js';
import { Page } from '../../components/page.js';
import { EmptyState, ErrorNotice, Loading } from '../../components/states.js';
import { TLS_MODES, TlsModeLegend, type TlsMode } from '../../components/tls-mode.js';
import { buildRouteGraph, hostSteps, serviceName } from './route-graph.js';
import { hasFilters, matchesFilters, readFilters, writeFilters, type RouteFilters } from './route-filters.js';
import { RouteGraphView } from './RouteGraphView.js';
import { RouteTableView } from './RouteTableView.js';

export function RoutesPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => readFilters(params), [params]);
  // Typing into the search replaces the history entry; choosing a filter or view adds one, so Back undoes it.
  const update = (change: Partial<RouteFilters>, replace = false) => setParams(writeFilters({ ...filters, ...change }), { replace });
  const hosts = useHostsQuery();
  const table = useRoutingTableQuery();

  const shown = useMemo(() => {
    if (!hosts.data || !table.data) return [];
    const clusters = new Map(table.data.clusters.map((c) => [c.id, c]));
    return hosts.data.hosts.filter((summary) => {
      const steps = hostSteps(summary, table.data);
      const services = steps.flatMap((s) => {
        const c = clusters.get(s.clusterId);
        return c ? [serviceName(c)] : [];
      });
      return matchesFilters({ summary, paths: steps.map((s) => s.label), services }, filters);
    });
  }, [hosts.data, table.data, filters]);
  const graph = useMemo(() => (table.data ? buildRouteGraph(shown, table.data) : null), [shown, table.data]);

  const all = hosts.data?.hosts ?? [];
  const namespaces = [...new Set(all.flatMap(hostNamespaces))].sort();
  return (
    <Page title="Routes" description="Where each host's traffic goes: host → path → service → endpoints, with how TLS is handled.">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="host, path or service"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={filters.q}
          onChange={(e) => update({ q: e.currentTarget.value }, true)}
          w={{ base: '100%', sm: 240 }}
        />
        <Select label="Namespace" placeholder="all" clearable data={namespaces} value={filters.namespace} onChange={(namespace) => update({ namespace })} w={{ base: '100%', sm: 160 }} />
        <Select label="Host" placeholder="all" clearable searchable data={all.map((h) => h.host)} value={filters.host} onChange={(host) => update({ host })} w={{ base: '100%', sm: 240 }} />
        <Select
          label="TLS mode"
          placeholder="all"
          clearable
          data={(Object.keys(TLS_MODES) as TlsMode[]).map((mode) => ({ value: mode, label: TLS_MODES[mode].label }))}
          value={filters.mode}
          onChange={(mode) => update({ mode: mode as TlsMode | null })}
          w={{ base: '100%', sm: 180 }}
        />
        <SegmentedControl
          aria-label="View"
          value={filters.view}
          onChange={(view) => update({ view: view as RouteFilters['view'] })}
          data={[
            { value: 'graph', label: 'Graph' },
            { value: 'table', label: 'Table' },
          ]}
        />
        {hasFilters(filters) && (
          <Button variant="subtle" onClick={() => update({ q: '', namespace: null, host: null, mode: null })}>
            Clear filters
          </Button>
        )}
      </Group>
      <TlsModeLegend />
      {hosts.isPending || table.isPending ? (
        <Loading what="routes" />
      ) : hosts.error || table.error ? (
        <ErrorNotice error={hosts.error ?? table.error} title="Could not load routes" />
      ) : all.length === 0 ? (
        <EmptyState title="No routes yet">No Ingress of this controller's class has a rule. Create one on the Ingresses page, or add a manifest.</EmptyState>
      ) : shown.length === 0 ? (
        <EmptyState title="No host matches these filters">Change the search or clear the filters to see all {all.length} hosts.</EmptyState>
      ) : (
        <Stack gap="xs">
          <Text size="sm" c="dimmed" role="status" data-testid="route-count">
            {shown.length === all.length ? `${all.length} hosts` : `${shown.length} of ${all.length} hosts`}, generation {table.data!.generation}
          </Text>
          {filters.view === 'table' ? <RouteTableView hosts={shown} table={table.data!} /> : <RouteGraphView graph={graph!} />}
        </Stack>
      )}
    </Page>
  );
}
