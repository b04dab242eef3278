import { Anchor, Card, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { ToneBadge } from '../../components/tone.js';
import type { HostDetail } from './host-types.js';

const POLICY_WORDS = { redirect: 'redirected to HTTPS (308)', reject: 'refused (403)', allow: 'served over plain HTTP too' } as const;

/** Which certificate a handshake for the host gets and why, and the policies behind its TLS mode. */
export function HostTls({ host }: { host: HostDetail }) {
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <Card withBorder component="section" aria-labelledby="certificate-title">
        <Title order={2} size="h4" id="certificate-title" mb="xs">
          Certificate served
        </Title>
        <CertificateFacts host={host} />
      </Card>
      <Card withBorder component="section" aria-labelledby="policies-title">
        <Title order={2} size="h4" id="policies-title" mb="xs">
          TLS policies
        </Title>
        <Stack gap="xs">
          <Fact label="Plain HTTP requests">{host.httpPolicy ? POLICY_WORDS[host.httpPolicy] : 'served (no TLS settings)'}</Fact>
          <Fact label="Client certificates (mTLS)">
            {host.clientVerification.required ? (
              <span data-testid="client-verification">
                required, from {host.clientVerification.caSubjects.join('; ') || 'an unreadable CA'} (verify depth {host.clientVerification.verifyDepth ?? 'default'})
              </span>
            ) : (
              'not required'
            )}
          </Fact>
          <Fact label="Upstream TLS">
            {host.mode === 'passthrough'
              ? `none from Portico: the TLS bytes go untouched to ${host.passthrough?.service ?? 'the backend'}, which ends TLS itself`
              : host.upstreams.length === 0
              ? 'no backend'
              : host.upstreams.map((u) => (
                  <Text key={u.clusterId} size="sm" data-testid="upstream-tls">
                    {u.service}:{' '}
                    {u.upstreamTls
                      ? `HTTPS to ${u.upstreamTls.serverName}, ${u.upstreamTls.verify ? `verified against ${u.upstreamTls.caSubjects.join('; ') || 'the system CAs'}` : 'not verified'}${u.upstreamTls.clientCertificateId ? `, presenting ${u.upstreamTls.clientCertificateId}` : ''}`
                      : 'plain HTTP'}
                  </Text>
                ))}
          </Fact>
        </Stack>
      </Card>
    </SimpleGrid>
  );
}

function CertificateFacts({ host }: { host: HostDetail }) {
  if (host.mode === 'passthrough') return <Text size="sm">None from Portico: the backend ({host.passthrough?.service ?? 'unknown'}) presents its own certificate.</Text>;
  const cert = host.certificate;
  if (!cert) return <Text size="sm">Not applicable: rules without a host are chosen after SNI.</Text>;
  const [namespace, name] = cert.certificateId?.split('/') ?? [];
  return (
    <Stack gap="xs" data-testid="certificate-choice">
      <Fact label="Certificate">
        {cert.certificateId ? (
          <Anchor component={Link} to={`/certificates/${namespace}/${name}`} size="sm">
            {cert.certificateId}
          </Anchor>
        ) : (
          "the proxy's own default certificate"
        )}
        {cert.coversName === false && (
          <ToneBadge color="red" ml="xs">
            does not cover {host.host}
          </ToneBadge>
        )}
      </Fact>
      <Fact label="Why">{cert.detail}</Fact>
      {cert.dnsNames.length > 0 && <Fact label="Names">{cert.dnsNames.join(', ')}</Fact>}
      {cert.notAfter && <Fact label="Valid until">{new Date(cert.notAfter).toUTCString()}</Fact>}
    </Stack>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" align="flex-start" wrap="nowrap">
      <Text size="sm" fw={600} w={170} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <div style={{ minWidth: 0, overflowWrap: 'anywhere' }}>{typeof children === 'string' ? <Text size="sm">{children}</Text> : children}</div>
    </Group>
  );
}
