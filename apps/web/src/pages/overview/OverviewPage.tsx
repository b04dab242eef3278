import { Paper, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ApiClient } from '../../api/client.js';
import { ApiError } from '../../api/problem.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { useSession } from '../../session/session.js';
import { propagationSummary, type Readiness } from './propagation.js';

export function OverviewPage() {
  const { api } = useSession();
  const readiness = useQuery({ queryKey: ['readyz'], queryFn: () => fetchReadiness(api), refetchInterval: 5000 });
  return (
    <Page title="Overview" description="The whole edge at a glance.">
      <QueryView query={readiness} what="readiness">
        {(r) => (
          <Paper withBorder p="md" aria-label="Configuration" component="section">
            <Text>
              Generation <strong data-testid="generation">{r.generation}</strong>, <span data-testid="propagation">{propagationSummary(r)}</span>
            </Text>
          </Paper>
        )}
      </QueryView>
    </Page>
  );
}

/** /readyz answers 503 while not ready, with the same body: a state to show, not an error. */
async function fetchReadiness(api: ApiClient): Promise<Readiness> {
  const { data, error, response } = await api.GET('/readyz');
  const body = data ?? (response.status === 503 ? (error as Readiness | undefined) : undefined);
  if (!body) throw new ApiError(response.status, undefined);
  return body;
}
