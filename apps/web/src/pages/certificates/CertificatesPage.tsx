import { Anchor, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { unwrap } from '../../api/problem.js';
import { TableHead } from '../../components/table-head.js';
import { Page } from '../../components/page.js';
import { EmptyState, QueryView } from '../../components/states.js';
import { WriteButton } from '../../components/write-button.js';
import { useSession } from '../../session/session.js';
import { CertificateDetail } from './CertificateDetail.js';
import { certificatePath, type CertificateEntry } from './certificate-types.js';
import { ChainBadge } from './ChainBadge.js';
import { ExpiryBadge } from './ExpiryBadge.js';
import { SelfSignedModal, UploadModal, type WrittenCertificate } from './CertificateForms.js';
import { expiryLabel } from './expiry.js';
import { Notice, ToneBadge } from '../../components/tone.js';
import { ScrollTable } from '../../components/scroll-table.js';

export function CertificatesPage() {
  const { namespace, name } = useParams();
  return namespace && name ? <CertificateDetail namespace={namespace} name={name} /> : <CertificateList />;
}

export function useCertificates() {
  const { api } = useSession();
  return useQuery({ queryKey: ['certificates'], queryFn: () => unwrap(api.GET('/api/v1/certificates')) });
}

function CertificateList() {
  const certificates = useCertificates();
  const [dialog, setDialog] = useState<'upload' | 'self-signed' | null>(null);
  const [written, setWritten] = useState<WrittenCertificate | null>(null);
  const done = (certificate: WrittenCertificate) => {
    setDialog(null);
    setWritten(certificate);
  };
  return (
    <Page
      title="Certificates"
      description="TLS Secrets the proxies serve, and the CA bundles they trust for client certificates and upstream TLS. Private keys are never shown."
      actions={
        <>
          <WriteButton onClick={() => setDialog('upload')}>Upload certificate</WriteButton>
          <WriteButton variant="light" onClick={() => setDialog('self-signed')}>
            Generate self-signed
          </WriteButton>
        </>
      }
    >
      {written && (
        <Notice color="teal" title="Stored" role="status" withCloseButton onClose={() => setWritten(null)} closeButtonLabel="Dismiss">
          <Anchor component={Link} to={certificatePath(written)}>
            {written.id}
          </Anchor>{' '}
          for {written.certificate.dnsNames.join(', ') || written.certificate.subject}, {expiryLabel(written.certificate.daysLeft)}. It is listed below as soon as the source has read it.
        </Notice>
      )}
      <QueryView query={certificates} what="certificates">
        {({ certificates: entries, expiryWarningDays }) => (
          <>
            <CertificateTable title="Serving certificates" warningDays={expiryWarningDays} entries={entries.filter((e) => e.kind === 'tls')} empty="No TLS Secrets yet. Upload one or generate a self-signed certificate." />
            <CertificateTable title="CA bundles" warningDays={expiryWarningDays} entries={entries.filter((e) => e.kind === 'ca-bundle')} empty="No CA bundles: no Secret with a ca.crt is referenced for client verification or upstream TLS." />
          </>
        )}
      </QueryView>
      <UploadModal opened={dialog === 'upload'} onClose={() => setDialog(null)} onDone={done} />
      <SelfSignedModal opened={dialog === 'self-signed'} onClose={() => setDialog(null)} onDone={done} />
    </Page>
  );
}

function CertificateTable({ title, entries, empty, warningDays }: { title: string; entries: CertificateEntry[]; empty: string; warningDays: number }) {
  const headingId = `heading-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <Stack gap="xs" component="section" aria-labelledby={headingId}>
      <Title order={2} size="h4" id={headingId}>
        {title} <Text span c="dimmed">({entries.length})</Text>
      </Title>
      {entries.length === 0 ? (
        <EmptyState title={`No ${title.toLowerCase()}`}>{empty}</EmptyState>
      ) : (
        <ScrollTable minWidth={860} label={title} striped highlightOnHover>
            <TableHead columns={['Secret', 'Expiry', 'Subject and names', 'Issuer', 'Used by', 'Chain']} />
            <Table.Tbody>
              {entries.map((entry) => (
                <CertificateRow key={`${entry.kind}:${entry.id}`} entry={entry} warningDays={warningDays} />
              ))}
            </Table.Tbody>
          </ScrollTable>
      )}
    </Stack>
  );
}

function CertificateRow({ entry, warningDays }: { entry: CertificateEntry; warningDays: number }) {
  const facts = entry.certificate;
  return (
    <Table.Tr data-certificate={entry.id}>
      <Table.Td>
        <Anchor component={Link} to={certificatePath(entry)}>
          {entry.id}
        </Anchor>
      </Table.Td>
      {/* Expiry second: on a phone it is in view without scrolling the table sideways. */}
      <Table.Td>{facts ? <ExpiryBadge daysLeft={facts.daysLeft} notAfter={facts.notAfter} warningDays={warningDays} /> : '—'}</Table.Td>
      <Table.Td>
        {facts ? (
          <Stack gap={2}>
            <Text size="sm">{facts.subject || '(no subject)'}</Text>
            <Text size="xs" c="dimmed">
              {facts.dnsNames.join(', ') || 'no DNS names'}
            </Text>
          </Stack>
        ) : (
          <Text size="sm" c="red.8">
            {entry.problem ?? (entry.loaded ? 'no certificate' : 'not loaded: the source holds no data for this Secret')}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{facts?.issuer ?? '—'}</Text>
      </Table.Td>
      <Table.Td>
        <Stack gap={2}>
          <Text size="sm">{entry.usedBy.hosts.length ? entry.usedBy.hosts.join(', ') : entry.usedBy.defaultCertificate ? 'the default certificate' : 'unused'}</Text>
          {entry.notCovered.length > 0 && (
            <Text size="xs" c="red.8" data-testid="not-covered">
              does not cover {entry.notCovered.join(', ')}
            </Text>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          <ChainBadge chain={entry.chain} />
          {entry.kind === 'tls' && !entry.hasPrivateKey && (
            <ToneBadge color="red">
              no key
            </ToneBadge>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
