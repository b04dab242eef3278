import { Anchor, Group, List, Paper, Stack, Tabs, Text, Textarea } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, describeError, unwrap } from '../../api/problem.js';
import { WriteButton } from '../../components/write-button.js';
import { useSession } from '../../session/session.js';
import { formFieldPaths, placeFieldErrors } from './field-errors.js';
import { formToIngress, fromYaml, ingressToForm, toRequestBody, toYaml, type IngressForm, type IngressObject } from './ingress-form.js';
import { IngressFormView } from './IngressFormView.js';
import { ingressPath, isDryRun, type WriteResult } from './ingress-types.js';
import { RoutePreview } from './RouteViews.js';
import { Notice } from '../../components/tone.js';

/**
 * Create or edit one Ingress, as a form or as YAML: both views edit the same object. "Preview" sends the write with
 * ?dryRun=All and shows what it would change in the routing table; "Save" then writes it. Errors from either come
 * back with the API's field paths and are shown at their inputs.
 */
export function IngressEditor({ initial, create }: { initial: IngressObject; create: boolean }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [object, setObject] = useState<IngressObject>(initial);
  const [view, setView] = useState<'form' | 'yaml'>('form');
  const [yamlText, setYamlText] = useState('');
  const [yamlError, setYamlError] = useState<string | null>(null);
  const annotations = useQuery({ queryKey: ['ingress-annotations'], queryFn: () => unwrap(api.GET('/api/v1/ingresses/annotations')), staleTime: Infinity });
  const form = useMemo(() => ingressToForm(object), [object]);

  const write = async (dryRun: boolean): Promise<WriteResult> => {
    const body = toRequestBody(object, create) as never;
    const query = dryRun ? { dryRun: 'All' as const } : {};
    if (create) return unwrap(api.POST('/api/v1/ingresses', { body, params: { query } }));
    const path = { namespace: initial.metadata?.namespace ?? 'default', name: initial.metadata?.name ?? '' };
    return unwrap(api.PUT('/api/v1/ingresses/{namespace}/{name}', { body, params: { path, query } }));
  };
  const preview = useMutation({ mutationFn: () => write(true) });
  const save = useMutation({
    mutationFn: () => write(false),
    onSuccess: (stored) => {
      const namespace = stored.object?.metadata?.namespace ?? 'default';
      const name = stored.object?.metadata?.name ?? '';
      // The store is re-read moments after a write: seed the cache with what the write answered, so the page shows
      // the stored object at once instead of asking before the source has it.
      queryClient.setQueryData(['ingresses', namespace, name], stored);
      void queryClient.invalidateQueries({ queryKey: ['ingresses', 'list'] });
      void navigate(ingressPath(namespace, name), { state: { saved: true } });
    },
  });

  const edited = (next: IngressObject) => {
    setObject(next);
    preview.reset();
    save.reset();
  };
  const onForm = (next: IngressForm) => edited(formToIngress(next, object));
  const onYaml = (text: string) => {
    setYamlText(text);
    const parsed = fromYaml(text);
    if ('error' in parsed) {
      setYamlError(parsed.error);
      preview.reset();
      return;
    }
    setYamlError(null);
    edited(parsed.object);
  };
  const switchTo = (next: string | null) => {
    if (next === 'yaml' && view !== 'yaml') setYamlText(toYaml(object));
    // The form cannot show text that is not an Ingress: stay on the YAML until it parses.
    if (next === 'form' && yamlError) return;
    if (next === 'form' || next === 'yaml') setView(next);
  };

  const failure = save.error ?? preview.error;
  const annotationKeys = (annotations.data?.annotations ?? []).map((a) => a.key);
  const placed = failure instanceof ApiError ? placeFieldErrors(failure.fieldErrors(), view === 'form' ? formFieldPaths(form, annotationKeys) : []) : { at: {}, elsewhere: [] };
  // In the YAML view no input owns a field: every field error is listed with its path.
  const listed = failure instanceof ApiError ? (view === 'yaml' ? Object.entries(failure.fieldErrors()).map(([field, message]) => ({ field, message })) : placed.elsewhere) : [];
  const dryRun = preview.data && isDryRun(preview.data) ? preview.data : null;

  return (
    <Stack gap="md">
      <Tabs value={view} onChange={switchTo} keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="form">Form</Tabs.Tab>
          <Tabs.Tab value="yaml">YAML</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="form" pt="md">
          {annotations.error ? <Notice color="yellow">The supported annotations could not be loaded: {describeError(annotations.error)}</Notice> : null}
          <IngressFormView form={form} onChange={onForm} errors={placed.at} annotations={annotations.data?.annotations ?? []} identityFixed={!create} />
        </Tabs.Panel>
        <Tabs.Panel value="yaml" pt="md">
          <Textarea
            label="Ingress YAML"
            description="The same object as the form: edit either."
            autosize
            minRows={16}
            maxRows={40}
            value={yamlText}
            onChange={(e) => onYaml(e.currentTarget.value)}
            error={yamlError ?? undefined}
            spellCheck={false}
            styles={{ input: { fontFamily: 'monospace', fontSize: 13 } }}
          />
        </Tabs.Panel>
      </Tabs>

      {failure !== null && (
        <Notice color="red" title={failure === save.error ? 'Not saved' : 'Cannot preview'} role="alert">
          <Text size="sm">{listed.length === 0 && Object.keys(placed.at).length > 0 ? 'Fix the fields marked above.' : describeError(failure)}</Text>
          {listed.length > 0 && (
            <List size="sm" mt={4}>
              {listed.map((e) => (
                <List.Item key={e.field}>
                  <code>{e.field}</code>: {e.message}
                </List.Item>
              ))}
            </List>
          )}
        </Notice>
      )}

      {dryRun && (
        <Paper withBorder p="md">
          <RoutePreview preview={dryRun} />
        </Paper>
      )}

      <Group>
        <WriteButton variant="light" loading={preview.isPending} disabled={yamlError !== null} onClick={() => preview.mutate()}>
          Preview changes
        </WriteButton>
        <WriteButton loading={save.isPending} disabled={!dryRun || yamlError !== null} onClick={() => save.mutate()}>
          {create ? 'Create Ingress' : 'Save changes'}
        </WriteButton>
        {!dryRun && (
          <Text size="sm" c="dimmed">
            Preview first: saving is enabled once you have seen what it changes.
          </Text>
        )}
        {!create && (
          <Anchor size="sm" onClick={() => edited(initial)} component="button" type="button">
            Discard edits
          </Anchor>
        )}
      </Group>
    </Stack>
  );
}
