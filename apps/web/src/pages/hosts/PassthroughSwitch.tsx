import { Button, Card, Group, List, Modal, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { unwrap } from '../../api/problem.js';
import { useProxiesQuery } from '../../components/edge-queries.js';
import type { HostSummary } from '../../components/host-modes.js';
import { Notice } from '../../components/tone.js';
import { ErrorNotice } from '../../components/states.js';
import { WriteButton } from '../../components/write-button.js';
import { useLiveEvents } from '../../live/live-events.js';
import { useSession, useWriteAccess } from '../../session/session.js';
import { acknowledgement, describeAcknowledgement } from './acknowledgement.js';
import { changesNothing, previewSections, type PassthroughResult } from './passthrough-preview.js';

/**
 * Turns passthrough on or off for a host in three steps: a dry run that lists what changes, a confirmation, and the
 * write, after which the proxies' acknowledgements of the new generation are shown as they arrive.
 */
export function PassthroughSwitch({ host }: { host: HostSummary }) {
  const { api } = useSession();
  const { canWrite, reason } = useWriteAccess();
  const queryClient = useQueryClient();
  const [preview, setPreview] = useState<PassthroughResult | null>(null);
  const [applied, setApplied] = useState<PassthroughResult | null>(null);
  const [waiting, setWaiting] = useState(false);
  const proxies = useProxiesQuery(waiting ? 1000 : false);
  // Each acknowledgement arrives as a live event: read the proxies at once rather than after the stream's debounce.
  useLiveEvents((event) => {
    if (waiting && (event.type === 'proxy-applied' || event.type === 'generation')) void queryClient.invalidateQueries({ queryKey: ['proxies'] });
  });
  const on = host.mode === 'passthrough';
  const body = (enabled: boolean, dryRun: boolean) => ({ enabled, dryRun, ...(host.ingresses.length > 1 ? { allIngresses: true } : {}) });

  const dryRun = useMutation({
    mutationFn: () => unwrap(api.PATCH('/api/v1/hosts/{host}/passthrough', { params: { path: { host: host.host } }, body: body(!on, true) })),
    onSuccess: (result) => {
      setApplied(null);
      setPreview(result);
    },
  });
  const apply = useMutation({
    mutationFn: (result: PassthroughResult) => {
      const single = result.ingresses.length === 1 ? result.ingresses[0]!.resourceVersion : null;
      // The answer names the generation that carries the switch; the proxies' acknowledgements of it follow.
      return unwrap(
        api.PATCH('/api/v1/hosts/{host}/passthrough', {
          params: { path: { host: host.host } },
          // The version the preview was computed on: if the Ingress changed since, the API answers 409.
          body: { ...body(result.enabled, false), ...(single ? { resourceVersion: single } : {}) },
        }),
      );
    },
    onSuccess: (outcome) => {
      setPreview(null);
      setApplied(outcome);
      void queryClient.invalidateQueries();
    },
  });

  const ack = applied?.generation != null && proxies.data ? acknowledgement(proxies.data, applied.generation) : null;
  const done = !applied || !applied.written || Boolean(ack?.done);
  useEffect(() => setWaiting(!done), [done]);
  const action = on ? 'Turn passthrough off' : 'Turn passthrough on';
  return (
    <Card withBorder component="section" aria-labelledby="passthrough-title">
      <Stack gap="xs">
        <Title order={2} size="h4" id="passthrough-title">
          Passthrough
        </Title>
        <Text size="sm" data-testid="passthrough-state">
          {on
            ? `On: TLS connections for ${host.host} go untouched to ${host.passthrough?.service ?? 'the backend'}, which presents its own certificate.`
            : `Off: Portico ${host.mode === 'terminated' ? 'ends TLS with its certificate' : 'does not terminate TLS for this host'} and routes each request by path.`}
        </Text>
        <Group gap="sm">
          <WriteButton onClick={() => dryRun.mutate()} loading={dryRun.isPending} variant={on ? 'default' : 'filled'}>
            {action}…
          </WriteButton>
          {!canWrite && (
            <Text size="sm" c="dimmed" data-testid="passthrough-disabled-reason">
              {reason}
            </Text>
          )}
        </Group>
        {dryRun.error && <ErrorNotice error={dryRun.error} title="Could not preview the switch" />}
        {apply.error && <ErrorNotice error={apply.error} title="The switch was not applied" />}
        {applied && (
          <Notice color={ack?.done ? 'green' : 'blue'} title={`Passthrough ${applied.enabled ? 'on' : 'off'} for ${applied.host}`} role="status" data-testid="passthrough-applied">
            {!applied.written ? 'Nothing was written: the host was already in that state.' : ack ? describeAcknowledgement(ack) : 'Written; waiting for the new generation…'}
          </Notice>
        )}
      </Stack>
      <Modal opened={preview !== null} onClose={() => setPreview(null)} closeButtonProps={{ 'aria-label': 'Close the preview' }} title={preview ? `${action} for ${host.host}?` : ''} size="lg">
        {preview && (
          <Stack gap="sm" data-testid="passthrough-preview">
            {changesNothing(preview) && <Notice color="yellow">Nothing would change: the host is already in that state.</Notice>}
            {previewSections(preview).map((section) => (
              <div key={section.title}>
                <Text fw={600} size="sm">
                  {section.title}
                </Text>
                <List size="sm" spacing={2}>
                  {section.items.map((item) => (
                    <List.Item key={item}>{item}</List.Item>
                  ))}
                </List>
              </div>
            ))}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setPreview(null)}>
                Cancel
              </Button>
              <Button onClick={() => apply.mutate(preview)} loading={apply.isPending} disabled={changesNothing(preview)} color={preview.enabled ? 'grape' : undefined}>
                {preview.enabled ? 'Confirm: pass through' : 'Confirm: terminate again'}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}
