import { ActionIcon, Button, Fieldset, Group, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { annotationPath } from './field-errors.js';
import { emptyPath, emptyRule, PATH_TYPES, type BackendForm, type IngressForm } from './ingress-form.js';
import type { AnnotationSpec } from './ingress-types.js';

interface Props {
  form: IngressForm;
  onChange: (form: IngressForm) => void;
  /** Messages by the API's field path (see field-errors.ts). */
  errors: Record<string, string>;
  annotations: AnnotationSpec[];
  /** Name and namespace are fixed once the Ingress exists (they are its identity in the URL). */
  identityFixed: boolean;
}

const NOT_SET = '';

/** The Ingress as a form. Each input is keyed by the API's field path, so a 422 names the input it belongs to. */
export function IngressFormView({ form, onChange, errors, annotations, identityFixed }: Props) {
  const update = (change: (draft: IngressForm) => void) => {
    const draft = structuredClone(form);
    change(draft);
    onChange(draft);
  };
  const known = new Set(annotations.map((a) => a.key));
  const others = Object.keys(form.annotations).filter((key) => !known.has(key));

  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <TextInput label="Name" required readOnly={identityFixed} value={form.name} onChange={(e) => update((d) => void (d.name = e.currentTarget.value))} error={errors['metadata.name']} />
        <TextInput label="Namespace" required readOnly={identityFixed} value={form.namespace} onChange={(e) => update((d) => void (d.namespace = e.currentTarget.value))} error={errors['metadata.namespace']} />
        <TextInput label="Ingress class" description="portico, or empty for the default class" value={form.ingressClassName} onChange={(e) => update((d) => void (d.ingressClassName = e.currentTarget.value))} error={errors['spec.ingressClassName']} />
      </SimpleGrid>

      {form.rules.map((rule, i) => (
        <Fieldset key={i} legend={`Rule ${i + 1}`}>
          <Stack gap="sm">
            <Group align="flex-end" wrap="nowrap">
              <TextInput
                style={{ flex: 1 }}
                label="Host"
                description="empty: any host; *.example.com: one more label"
                value={rule.host}
                onChange={(e) => update((d) => void (d.rules[i]!.host = e.currentTarget.value))}
                error={errors[`spec.rules[${i}].host`]}
              />
              <ActionIcon variant="subtle" color="red" size="lg" aria-label={`Remove rule ${i + 1}`} onClick={() => update((d) => void d.rules.splice(i, 1))}>
                <IconTrash size={18} aria-hidden />
              </ActionIcon>
            </Group>
            {rule.paths.map((path, j) => {
              const at = `spec.rules[${i}].http.paths[${j}]`;
              return (
                <Group key={j} align="flex-start" gap="xs" data-testid={`path-${i}-${j}`}>
                  <TextInput w={{ base: '100%', sm: 160 }} label="Path" value={path.path} onChange={(e) => update((d) => void (d.rules[i]!.paths[j]!.path = e.currentTarget.value))} error={errors[`${at}.path`]} />
                  <Select
                    w={{ base: '100%', sm: 200 }}
                    label="Path type"
                    data={[...PATH_TYPES]}
                    value={path.pathType}
                    allowDeselect={false}
                    onChange={(value) => value && update((d) => void (d.rules[i]!.paths[j]!.pathType = value))}
                    error={errors[`${at}.pathType`]}
                  />
                  <BackendFields backend={path.backend} at={`${at}.backend`} errors={errors} onChange={(backend) => update((d) => void (d.rules[i]!.paths[j]!.backend = backend))} />
                  <ActionIcon mt={26} variant="subtle" color="red" size="lg" aria-label={`Remove path ${j + 1} of rule ${i + 1}`} onClick={() => update((d) => void d.rules[i]!.paths.splice(j, 1))}>
                    <IconTrash size={18} aria-hidden />
                  </ActionIcon>
                </Group>
              );
            })}
            <Button variant="subtle" size="compact-sm" w="fit-content" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => update((d) => void d.rules[i]!.paths.push(emptyPath()))}>
              Add path to rule {i + 1}
            </Button>
          </Stack>
        </Fieldset>
      ))}
      <Button variant="light" w="fit-content" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => update((d) => void d.rules.push(emptyRule()))}>
        Add rule
      </Button>

      <Fieldset legend="TLS (terminated hosts)">
        <Stack gap="sm">
          {form.tls.length === 0 && <Text size="sm">No TLS: the hosts are served over plain HTTP.</Text>}
          {form.tls.map((entry, i) => (
            <Group key={i} align="flex-start" gap="xs">
              <TextInput style={{ flex: 2, minWidth: 200 }} label="TLS hosts" description="separated by commas" value={entry.hosts} onChange={(e) => update((d) => void (d.tls[i]!.hosts = e.currentTarget.value))} error={errors[`spec.tls[${i}].hosts`]} />
              <TextInput style={{ flex: 1, minWidth: 160 }} label="Secret name" description="a TLS Secret in the namespace" value={entry.secretName} onChange={(e) => update((d) => void (d.tls[i]!.secretName = e.currentTarget.value))} error={errors[`spec.tls[${i}].secretName`]} />
              <ActionIcon mt={50} variant="subtle" color="red" size="lg" aria-label={`Remove TLS entry ${i + 1}`} onClick={() => update((d) => void d.tls.splice(i, 1))}>
                <IconTrash size={18} aria-hidden />
              </ActionIcon>
            </Group>
          ))}
          <Button variant="subtle" size="compact-sm" w="fit-content" leftSection={<IconPlus size={14} aria-hidden />} onClick={() => update((d) => void d.tls.push({ hosts: '', secretName: '' }))}>
            Add TLS entry
          </Button>
        </Stack>
      </Fieldset>

      <Fieldset legend="Default backend (requests no rule matches)">
        <Group align="flex-start" gap="xs">
          <BackendFields backend={form.defaultBackend} at="spec.defaultBackend" errors={errors} onChange={(backend) => update((d) => void (d.defaultBackend = backend))} optional />
        </Group>
      </Fieldset>

      <Fieldset legend="Annotations">
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {annotations.map((spec) => (
            <AnnotationField
              key={spec.key}
              spec={spec}
              value={form.annotations[spec.key] ?? NOT_SET}
              error={errors[annotationPath(spec.key)]}
              onChange={(value) => update((d) => void (d.annotations[spec.key] = value))}
            />
          ))}
        </SimpleGrid>
        {others.length > 0 && (
          <Text size="sm" mt="sm">
            Also kept: {others.join(', ')} (edit them in the YAML view).
          </Text>
        )}
      </Fieldset>
    </Stack>
  );
}

function BackendFields({ backend, at, errors, onChange, optional = false }: { backend: BackendForm; at: string; errors: Record<string, string>; onChange: (backend: BackendForm) => void; optional?: boolean }) {
  return (
    <>
      <TextInput
        w={{ base: '100%', sm: 180 }}
        label="Service"
        description={optional ? 'empty: none' : undefined}
        value={backend.service}
        onChange={(e) => onChange({ ...backend, service: e.currentTarget.value })}
        error={errors[`${at}.service.name`]}
      />
      <TextInput
        w={{ base: '100%', sm: 110 }}
        label="Port"
        description={optional ? 'number or name' : undefined}
        value={backend.port}
        onChange={(e) => onChange({ ...backend, port: e.currentTarget.value })}
        error={errors[`${at}.service.port`]}
      />
    </>
  );
}

/** An annotation with fixed values is a choice among them (or not set); the rest are free text. */
function AnnotationField({ spec, value, error, onChange }: { spec: AnnotationSpec; value: string; error?: string; onChange: (value: string) => void }) {
  const short = spec.key.replace(/^.*\//, '');
  const description = `${spec.description}${spec.default ? ` (default ${spec.default})` : ''}${spec.security ? '. A bad value stops the Ingress being served.' : ''}`;
  if (spec.values) {
    // A value the list does not know (e.g. "True" typed in YAML) stays selectable, so the form never hides it.
    const options = [{ value: NOT_SET, label: 'not set' }, ...[...new Set([...spec.values, ...(value && !spec.values.includes(value) ? [value] : [])])].map((v) => ({ value: v, label: v }))];
    return <Select label={short} title={spec.key} description={description} data={options} value={value} allowDeselect={false} onChange={(v) => onChange(v ?? NOT_SET)} error={error} />;
  }
  return <TextInput label={short} title={spec.key} description={description} placeholder="not set" value={value} onChange={(e) => onChange(e.currentTarget.value)} error={error} />;
}
