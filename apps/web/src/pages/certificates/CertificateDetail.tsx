import { Anchor, Code, Group, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, unwrap } from '../../api/problem.js';
import { ConfirmDialog } from '../../components/confirm-dialog.js';
import { Facts } from '../../components/facts.js';
import { TableHead } from '../../components/table-head.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/states.js';
import { WriteButton } from '../../components/write-button.js';
import { useSession } from '../../session/session.js';
import type { CertificateEntry, CertificateFacts } from './certificate-types.js';
import { ChainBadge } from './ChainBadge.js';
import { ExpiryBadge } from './ExpiryBadge.js';
import { Notice, ToneBadge } from '../../components/tone.js';
import { ScrollTable } from '../../components/scroll-table.js';

const ROLE_LABEL = { tls: 'serves its hosts', 'client-ca': 'trusted for client certificates', upstream: 'upstream TLS (CA or client certificate)' } as const;

export function CertificateDetail({ namespace, name }: { namespace: string; name: string }) {
  const { api } = useSession();
  // While deleted (or being deleted), the Secret is not asked for: a live event could refetch it and meet a 404.
  const [deleted, setDeleted] = useState(false);
  const detail = useQuery({
    queryKey: ['certificates', namespace, name],
    queryFn: () => unwrap(api.GET('/api/v1/certificates/{namespace}/{name}', { params: { path: { namespace, name } } })),
    enabled: !deleted,
  });
  const [confirming, setConfirming] = useState(false);
  const hasTls = detail.data?.entries.some((e) => e.kind === 'tls') ?? false;
  return (
    <Page
      title={`Certificate ${namespace}/${name}`}
      description={<Anchor component={Link} to="/certificates">All certificates</Anchor>}
      actions={
        hasTls ? (
          <WriteButton color="red" variant="light" onClick={() => setConfirming(true)}>
            Delete
          </WriteButton>
        ) : undefined
      }
    >
      <QueryView query={detail} what={`certificate ${namespace}/${name}`}>
        {({ entries, expiryWarningDays }) => (
          <Stack gap="lg">
            {entries.map((entry) => (
              <EntryView key={entry.kind} entry={entry} warningDays={expiryWarningDays} />
            ))}
          </Stack>
        )}
      </QueryView>
      <DeleteDialog namespace={namespace} name={name} opened={confirming} onClose={() => setConfirming(false)} onDeleting={setDeleted} />
    </Page>
  );
}

function EntryView({ entry, warningDays }: { entry: CertificateEntry; warningDays: number }) {
  const headingId = `entry-${entry.kind}`;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={headingId}>
      <Stack gap="sm">
        <Group gap="xs">
          <Title order={2} size="h4" id={headingId}>
            {entry.kind === 'tls' ? 'Serving certificate (tls.crt)' : 'CA bundle (ca.crt)'}
          </Title>
          <ChainBadge chain={entry.chain} />
          {entry.kind === 'tls' && (
            <ToneBadge color={entry.hasPrivateKey ? 'gray' : 'red'}>
              {entry.hasPrivateKey ? 'has a private key (never shown)' : 'no private key'}
            </ToneBadge>
          )}
        </Group>
        {entry.problem && (
          <Notice color="red" title="Cannot be read">
            {entry.problem}
          </Notice>
        )}
        {!entry.loaded && <Text c="dimmed">The source holds no data for this Secret (the Kubernetes source keeps only referenced Secrets).</Text>}
        {entry.certificate && <CertificateFactsView facts={entry.certificate} warningDays={warningDays} />}
        <Usage entry={entry} />
        {entry.warnings.length > 0 && (
          <Notice color="yellow" title="Warnings">
            <List size="sm">
              {entry.warnings.map((w) => (
                <List.Item key={w}>{w}</List.Item>
              ))}
            </List>
          </Notice>
        )}
        {entry.chain && entry.chain.links.length > 0 && <Chain chain={entry.chain} />}
        {entry.kind === 'ca-bundle' && entry.certificates.length > 1 && (
          <Text size="sm">
            {entry.certificates.length} certificates in the bundle: {entry.certificates.map((c) => c.subject).join('; ')}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function CertificateFactsView({ facts, warningDays }: { facts: CertificateFacts; warningDays: number }) {
  const rows: Array<[string, React.ReactNode]> = [
    ['Subject', facts.subject],
    ['Names (SANs)', facts.sans.length ? facts.sans.join(', ') : 'none'],
    ['Issuer', facts.issuer],
    ['Valid', `${new Date(facts.notBefore).toUTCString()} to ${new Date(facts.notAfter).toUTCString()}`],
    ['Expiry', <ExpiryBadge key="expiry" daysLeft={facts.daysLeft} notAfter={facts.notAfter} warningDays={warningDays} />],
    ['Key', `${facts.key.type}${facts.key.size ? ` ${facts.key.size} bits` : ''}${facts.key.curve ? ` (${facts.key.curve})` : ''}`],
    ['Serial', <Code key="serial">{facts.serialNumber}</Code>],
    ['SHA-256', <Code key="fp" style={{ wordBreak: 'break-all' }}>{facts.fingerprintSha256}</Code>],
  ];
  return <Facts rows={rows} />;
}

function Usage({ entry }: { entry: CertificateEntry }) {
  const { usedBy, notCovered } = entry;
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        Used by
      </Text>
      {usedBy.ingresses.length === 0 && !usedBy.defaultCertificate && <Text size="sm">Nothing refers to this Secret.</Text>}
      {usedBy.defaultCertificate && <Text size="sm">The settings name it the default certificate.</Text>}
      <List size="sm" spacing={2}>
        {usedBy.ingresses.map((use) => (
          <List.Item key={`${use.ingress.namespace}/${use.ingress.name}:${use.field}`}>
            <Anchor component={Link} to={`/ingresses/${use.ingress.namespace ?? 'default'}/${use.ingress.name}`}>
              Ingress {use.ingress.namespace ?? 'default'}/{use.ingress.name}
            </Anchor>{' '}
            ({use.field}): {ROLE_LABEL[use.role]}
            {use.hosts.length > 0 && (
              <>
                {' '}for{' '}
                {use.hosts.map((host, i) => (
                  <span key={host}>
                    {i > 0 && ', '}
                    <Anchor component={Link} to={`/hosts/${encodeURIComponent(host)}`}>
                      {host}
                    </Anchor>
                  </span>
                ))}
              </>
            )}
          </List.Item>
        ))}
      </List>
      {usedBy.servedFor.length > 0 && <Text size="sm">Served now for {usedBy.servedFor.join(', ')}.</Text>}
      {notCovered.length > 0 && (
        <Notice color="red" title="Does not cover every host that uses it" data-testid="not-covered">
          {notCovered.join(', ')}: clients will see a name mismatch.
        </Notice>
      )}
    </Stack>
  );
}

function Chain({ chain }: { chain: NonNullable<CertificateEntry['chain']> }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        Chain {chain.valid ? 'is valid' : 'is not valid'}
      </Text>
      {chain.problems.length > 0 && (
        <List size="sm" c="red.8">
          {chain.problems.map((p) => (
            <List.Item key={p}>{p}</List.Item>
          ))}
        </List>
      )}
      <ScrollTable minWidth={560} label="Certificate chain">
          <TableHead columns={['Subject', 'Issuer', 'Not after', 'Signed by the next']} />
          <Table.Tbody>
            {chain.links.map((link, i) => (
              <Table.Tr key={i}>
                <Table.Td>{link.subject}</Table.Td>
                <Table.Td>{link.issuer}</Table.Td>
                <Table.Td>
                  {new Date(link.notAfter).toISOString().slice(0, 10)}
                  {link.expired ? ' (expired)' : ''}
                </Table.Td>
                <Table.Td>{link.signedByNext === null ? (link.selfSigned ? 'self-signed' : 'last in chain') : link.signedByNext ? 'yes' : 'no'}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </ScrollTable>
    </Stack>
  );
}

/** Delete with a confirm; a Secret in use is refused (409) and can then be deleted anyway, deliberately. */
function DeleteDialog({ namespace, name, opened, onClose, onDeleting }: { namespace: string; name: string; opened: boolean; onClose: () => void; onDeleting: (deleting: boolean) => void }) {
  const { api } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const remove = useMutation({
    mutationFn: (force: boolean) => unwrap(api.DELETE('/api/v1/certificates/{namespace}/{name}', { params: { path: { namespace, name }, query: { force } } })),
    // Stop asking for the object as the delete starts: the API answers once the store has dropped it, and a live event
    // can refetch it before that answer arrives (404). Ask again if the delete fails.
    onMutate: () => onDeleting(true),
    onError: () => onDeleting(false),
    onSuccess: () => {
      // Only the list is refreshed: the deleted Secret's own query would answer 404.
      onClose();
      void navigate('/certificates');
      void queryClient.invalidateQueries({ queryKey: ['certificates'], exact: true });
    },
  });
  const inUse = remove.error instanceof ApiError && remove.error.status === 409;
  return (
    <ConfirmDialog
      title={`Delete ${namespace}/${name}?`}
      opened={opened}
      onClose={onClose}
      onConfirm={() => remove.mutate(inUse)}
      confirm={inUse ? 'Delete anyway' : 'Delete'}
      pending={remove.isPending}
      error={remove.error}
      errorTitle={inUse ? 'In use' : 'Not deleted'}
      errorColor={inUse ? 'yellow' : 'red'}
    >
      The Secret is removed from the store. Hosts that use it get the default certificate.
    </ConfirmDialog>
  );
}
