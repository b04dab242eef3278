import { Anchor, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { unwrap } from '../../api/problem.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { WriteButton } from '../../components/write-button.js';
import { useSession } from '../../session/session.js';
import { IngressEditor } from './IngressEditor.js';
import type { IngressView } from './ingress-types.js';
import { DiagnosticList, RouteTable } from './RouteViews.js';
import { Notice } from '../../components/tone.js';

/** One Ingress: what Portico made of it (routes, problems, whether the proxies have it), and its editor. */
export function IngressDetail({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSession();
  // While deleted (or being deleted), the Ingress is not asked for: a live event could refetch it and meet a 404.
  const [deleted, setDeleted] = useState(false);
  const view = useQuery({
    queryKey: ['ingresses', namespace, name],
    queryFn: () => unwrap(api.GET('/api/v1/ingresses/{namespace}/{name}', { params: { path: { namespace, name } } })),
    enabled: !deleted,
  });
  const saved = (useLocation().state as { saved?: boolean } | null)?.saved === true;
  const [deleting, setDeleting] = useState(false);
  return (
    <Page
      title={`Ingress ${namespace}/${name}`}
      description={<Anchor component={Link} to="/ingresses">All Ingresses</Anchor>}
      actions={
        <WriteButton color="red" variant="light" onClick={() => setDeleting(true)}>
          Delete
        </WriteButton>
      }
    >
      {saved && (
        <Notice color="teal" title="Saved" role="status">
          The proxies follow within a second; the routes below update when they have compiled it.
        </Notice>
      )}
      <QueryView query={view} what={`Ingress ${namespace}/${name}`}>
        {(current) => (
          <Stack gap="lg">
            <CurrentState view={current} />
            <Stack gap="xs">
              <Title order={2} size="h4">
                Edit
              </Title>
              {/* Keyed by version: a newer stored object starts a fresh edit rather than mixing into one in progress. */}
              {current.object && <IngressEditor key={current.object.metadata?.resourceVersion} initial={current.object} create={false} />}
            </Stack>
          </Stack>
        )}
      </QueryView>
      <DeleteDialog namespace={namespace} name={name} resourceVersion={view.data?.object?.metadata?.resourceVersion} opened={deleting} onClose={() => setDeleting(false)} onDeleting={setDeleted} />
    </Page>
  );
}

function CurrentState({ view }: { view: IngressView }) {
  const { applied, pending } = view;
  return (
    <Paper withBorder p="md" component="section" aria-label="What Portico serves from it">
      <Stack gap="sm">
        <Text data-testid="applied">
          {pending
            ? 'Not compiled yet: the routes shown may be the previous version.'
            : `Generation ${applied.generation}, applied by ${applied.appliedBy} of ${applied.proxies} connected ${applied.proxies === 1 ? 'proxy' : 'proxies'}.`}
        </Text>
        {view.routes.length ? <RouteTable routes={view.routes} caption={`Routes served (${view.routes.length})`} /> : <Text>No routes are served from this Ingress.</Text>}
        <Text size="sm" fw={600}>
          Diagnostics
        </Text>
        <DiagnosticList diagnostics={view.diagnostics} />
      </Stack>
    </Paper>
  );
}

function DeleteDialog({ namespace, name, resourceVersion, opened, onClose, onDeleting }: { namespace: string; name: string; resourceVersion?: string; opened: boolean; onClose: () => void; onDeleting: (deleting: boolean) => void }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: () =>
      unwrap(api.DELETE('/api/v1/ingresses/{namespace}/{name}', { params: { path: { namespace, name }, query: resourceVersion ? { resourceVersion } : {} } })),
    // Stop asking for the object as the delete starts: the API answers once the store has dropped it, and a live event
    // can refetch it before that answer arrives (404). Ask again if the delete fails.
    onMutate: () => onDeleting(true),
    onError: () => onDeleting(false),
    onSuccess: () => {
      // Only the list is refreshed: the deleted Ingress's own query would answer 404.
      onClose();
      void navigate('/ingresses');
      void queryClient.invalidateQueries({ queryKey: ['ingresses', 'list'] });
    },
  });
  return (
    <ConfirmDialog title={`Delete Ingress ${namespace}/${name}?`} opened={opened} onClose={onClose} onConfirm={() => remove.mutate()} confirm="Delete" pending={remove.isPending} error={remove.error} errorTitle="Not deleted">
      Its routes stop being served as soon as the proxies have the next generation.
    </ConfirmDialog>
  );
}
