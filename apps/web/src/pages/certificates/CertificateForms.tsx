import { Button, FileButton, Group, Modal, NumberInput, Stack, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, describeError, unwrap } from '../../api/problem.js';
import { WriteButton } from '../../components/write-button.js';
import { useSession } from '../../session/session.js';
import type { components } from '../../api/schema.gen.js';
import { Notice } from '../../components/tone.js';

export type WrittenCertificate = components['schemas']['WrittenCertificate'];

interface DialogProps {
  opened: boolean;
  onClose: () => void;
  /** Called with what was stored; the list shows it once the pipeline has read the new Secret. */
  onDone: (written: WrittenCertificate) => void;
}

/** The field errors of a failed write by field name, and the sentence for everything else. */
function failure(error: unknown): { fields: Record<string, string>; message: string | null } {
  if (!(error instanceof ApiError)) return { fields: {}, message: error ? describeError(error) : null };
  const fields = error.fieldErrors();
  return { fields, message: describeError(error) };
}

/** Upload a PEM chain and its key. The key is sent once and is never shown again (the API never returns it). */
export function UploadModal({ opened, onClose, onDone }: DialogProps) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ namespace: 'default', name: '', certificatePem: '', privateKeyPem: '' });
  const upload = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/certificates', { body: form })),
    onSuccess: async (written) => {
      setForm((f) => ({ ...f, privateKeyPem: '' }));
      await queryClient.invalidateQueries({ queryKey: ['certificates'] });
      onDone(written);
    },
  });
  const { fields, message } = failure(upload.error);
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    upload.mutate();
  };
  return (
    <Modal opened={opened} onClose={onClose} title="Upload a certificate and key" size="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Group grow align="flex-start">
            <TextInput label="Namespace" required value={form.namespace} onChange={(e) => set('namespace')(e.currentTarget.value)} error={fields.namespace} />
            <TextInput label="Secret name" required value={form.name} onChange={(e) => set('name')(e.currentTarget.value)} error={fields.name} />
          </Group>
          <PemField label="Certificate chain (PEM, leaf first)" value={form.certificatePem} onChange={set('certificatePem')} error={fields.certificatePem} />
          <PemField label="Private key (PEM, unencrypted)" value={form.privateKeyPem} onChange={set('privateKeyPem')} error={fields.privateKeyPem} secret />
          <FormFooter failure={message} failureTitle="Not uploaded" pending={upload.isPending} submit="Upload" onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

/** A PEM textarea that can also be filled from a file; a key's text is masked from view once entered. */
function PemField({ label, value, onChange, error, secret = false }: { label: string; value: string; onChange: (value: string) => void; error?: string; secret?: boolean }) {
  return (
    <Stack gap={4}>
      <Textarea
        label={label}
        required
        autosize
        minRows={4}
        maxRows={10}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        error={error}
        spellCheck={false}
        autoComplete="off"
        styles={{ input: { fontFamily: 'monospace', fontSize: 12, ...(secret ? { WebkitTextSecurity: 'disc' } : {}) } }}
        placeholder={secret ? '-----BEGIN PRIVATE KEY-----' : '-----BEGIN CERTIFICATE-----'}
      />
      <FileButton onChange={(file) => void file?.text().then(onChange)} accept=".pem,.crt,.key,.cer,text/plain">
        {(props) => (
          <Button {...props} variant="subtle" size="compact-sm" w="fit-content">
            Read {secret ? 'key' : 'certificate'} from a file…
          </Button>
        )}
      </FileButton>
    </Stack>
  );
}

/** Generate a self-signed certificate (ECDSA P-256) for some hosts; the key is made and kept by the API. */
export function SelfSignedModal({ opened, onClose, onDone }: DialogProps) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ namespace: 'default', name: '', hosts: '', days: 90 as number | string });
  const hosts = form.hosts.split(/[\s,]+/).filter(Boolean);
  const generate = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/certificates/self-signed', { body: { namespace: form.namespace, name: form.name, hosts, days: Number(form.days) } })),
    onSuccess: async (written) => {
      await queryClient.invalidateQueries({ queryKey: ['certificates'] });
      onDone(written);
    },
  });
  const { fields, message } = failure(generate.error);
  const hostError = Object.entries(fields).find(([field]) => field === 'hosts' || field.startsWith('hosts.'))?.[1];
  return (
    <Modal opened={opened} onClose={onClose} title="Generate a self-signed certificate">
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          generate.mutate();
        }}
      >
        <Stack>
          <Group grow align="flex-start">
            <TextInput label="Namespace" required value={form.namespace} onChange={(e) => setForm({ ...form, namespace: e.currentTarget.value })} error={fields.namespace} />
            <TextInput label="Secret name" required value={form.name} onChange={(e) => setForm({ ...form, name: e.currentTarget.value })} error={fields.name} />
          </Group>
          <TextInput
            label="Hosts"
            description="Separated by spaces or commas; the first is the subject's CN. *.example.com covers one more label."
            required
            value={form.hosts}
            onChange={(e) => setForm({ ...form, hosts: e.currentTarget.value })}
            error={hostError}
          />
          <NumberInput label="Valid for (days)" min={1} max={825} value={form.days} onChange={(days) => setForm({ ...form, days })} error={fields.days} />
          <FormFooter failure={message} failureTitle="Not generated" pending={generate.isPending} submit="Generate" onCancel={onClose} />
        </Stack>
      </form>
    </Modal>
  );
}

/** A dialog's failure in words, then Cancel and the submit button (disabled with the reason for a viewer). */
function FormFooter({ failure, failureTitle, pending, submit, onCancel }: { failure: string | null; failureTitle: string; pending: boolean; submit: string; onCancel: () => void }) {
  return (
    <>
      {failure && (
        <Notice color="red" title={failureTitle} role="alert">
          {failure}
        </Notice>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onCancel}>
          Cancel
        </Button>
        <WriteButton type="submit" loading={pending}>
          {submit}
        </WriteButton>
      </Group>
    </>
  );
}
