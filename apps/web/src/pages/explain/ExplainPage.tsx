import { Button, Checkbox, Collapse, Group, Paper, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { unwrap } from '../../api/problem.js';
import { Page } from '../../components/page.js';
import { EmptyState, ErrorNotice, Loading } from '../../components/states.js';
import { useSession } from '../../session/session.js';
import { inputsFromParams, inputsToParams, toExplainRequest, type ExplainInputs } from './explain-query.js';
import { ExplainResult } from './ExplainResult.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Explain a request: the inputs are the URL's query (a link reproduces the explanation), the answer is the API's
 * explain, computed with the proxy's own matcher on the current table. It is refetched on every live change.
 */
export function ExplainPage() {
  const { api } = useSession();
  const [params, setParams] = useSearchParams();
  const applied = inputsFromParams(params);
  const [inputs, setInputs] = useState<ExplainInputs>(applied);
  const [more, setMore] = useState(Boolean(applied.sni || applied.noSni || applied.headers || applied.clientIp || applied.method !== 'GET'));
  const built = toExplainRequest(applied);
  const request = built && 'request' in built ? built.request : null;
  const explanation = useQuery({
    queryKey: ['explain', request],
    queryFn: () => unwrap(api.POST('/api/v1/explain', { body: request! })),
    enabled: request !== null,
  });
  const set = <K extends keyof ExplainInputs>(key: K, value: ExplainInputs[K]) => setInputs((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setParams(inputsToParams(inputs));
  };
  const draft = toExplainRequest(inputs);
  const headerError = draft && 'error' in draft ? draft.error : undefined;

  return (
    <Page title="Explain" description="What the proxy would do with a request, and why: the same matcher, on the current routing table.">
      <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Request to explain">
        <Stack gap="sm">
          <Group align="flex-end" wrap="wrap">
            <TextInput style={{ flex: 1, minWidth: 240 }} label="URL" placeholder="https://shop.example.com/api/orders" required value={inputs.url} onChange={(e) => set('url', e.currentTarget.value)} />
            <Select w={120} label="Method" data={METHODS} value={inputs.method} allowDeselect={false} onChange={(value) => set('method', value ?? 'GET')} />
            <Button type="submit" disabled={!inputs.url.trim() || headerError !== undefined}>
              Explain
            </Button>
          </Group>
          <Button variant="subtle" size="compact-sm" w="fit-content" onClick={() => setMore((v) => !v)} aria-expanded={more}>
            {more ? 'Fewer options' : 'SNI, headers, client IP'}
          </Button>
          <Collapse expanded={more}>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Stack gap={4}>
                <TextInput label="SNI" description="empty: the URL's host" disabled={inputs.noSni} value={inputs.sni} onChange={(e) => set('sni', e.currentTarget.value)} />
                <Checkbox label="The client sends no SNI" checked={inputs.noSni} onChange={(e) => set('noSni', e.currentTarget.checked)} />
              </Stack>
              <TextInput label="Client IP" placeholder="203.0.113.7" value={inputs.clientIp} onChange={(e) => set('clientIp', e.currentTarget.value)} />
              <Textarea label="Headers" description="one Name: value per line; a Host header overrides the URL's host for routing" autosize minRows={2} value={inputs.headers} onChange={(e) => set('headers', e.currentTarget.value)} error={headerError} />
            </SimpleGrid>
          </Collapse>
        </Stack>
      </Paper>
      {built === null ? (
        <EmptyState title="Type a URL to explain">For example http://demo.localhost/hi or https://a-host/path. The explanation is a link you can share.</EmptyState>
      ) : 'error' in built ? (
        <Text c="red.8">{built.error}</Text>
      ) : explanation.isPending ? (
        <Loading what="the explanation" />
      ) : explanation.error ? (
        <ErrorNotice error={explanation.error} title="Cannot explain this request" />
      ) : (
        <ExplainResult explanation={explanation.data} />
      )}
    </Page>
  );
}
