import { Anchor, List, Paper, Stack, Table, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { components } from '../../api/schema.gen.js';
import { Facts } from '../../components/facts.js';
import { TableHead } from '../../components/table-head.js';
import { Notice, ToneBadge } from '../../components/tone.js';
import { ScrollTable } from '../../components/scroll-table.js';

export type Explanation = components['schemas']['Explanation'];

const OUTCOME: Record<Explanation['outcome']['action'], { label: string; color: string }> = {
  proxied: { label: 'Proxied', color: 'teal' },
  relayed: { label: 'Relayed (passthrough)', color: 'grape' },
  redirect: { label: 'Redirected', color: 'blue' },
  reject: { label: 'Rejected', color: 'red' },
  misdirected: { label: 'Misdirected (421)', color: 'red' },
  'bad-request': { label: 'Bad request', color: 'red' },
  'not-found': { label: 'Not found', color: 'orange' },
  'no-endpoints': { label: 'No ready endpoint', color: 'orange' },
  refused: { label: 'Connection refused', color: 'red' },
};

const TLS_MODE: Record<NonNullable<Explanation['tls']>['mode'], string> = {
  terminate: 'Portico terminates TLS',
  passthrough: 'passthrough: the TLS bytes go to the backend untouched',
  'global-passthrough': 'global passthrough: relayed to <SNI>:port',
  closed: 'the connection is closed',
};

const VERDICT_COLOR = { chosen: 'teal', beaten: 'orange', 'not-matched': 'gray', 'not-consulted': 'gray' } as const;
const VERDICT_LABEL = { chosen: 'chosen', beaten: 'beaten', 'not-matched': 'no match', 'not-consulted': 'not consulted' } as const;

/** The decision the proxy would make for one request, laid out in the order the proxy makes it. */
export function ExplainResult({ explanation: e }: { explanation: Explanation }) {
  const outcome = OUTCOME[e.outcome.action];
  return (
    <Stack gap="md" data-testid="explanation">
      <Notice color={outcome.color} title={`${outcome.label}${e.outcome.status ? `: ${e.outcome.status}` : ''}`} data-outcome={e.outcome.action}>
        {e.outcome.detail}
      </Notice>
      <Text size="sm" c="dimmed">
        {e.request.method} {e.request.scheme}://{e.request.host}:{e.request.port}
        {e.request.rawPath}
        {e.request.query} on the {e.listener === 'tls' ? 'TLS' : 'plain HTTP'} listener{e.request.clientIp ? ` from ${e.request.clientIp}` : ''}, decided on generation {e.generation}.
      </Text>

      {e.tls && (
        <Section title="TLS">
          <Facts
            rows={[
              ['Server name (SNI)', e.tls.serverName ? `${e.tls.serverName} (${e.tls.serverNameFrom === 'sni' ? 'sent as SNI' : 'from the URL host'})` : 'none sent'],
              ['Governed by host', e.tls.governingHost ?? 'no host claims this name'],
              ['Mode', TLS_MODE[e.tls.mode]],
              ['Why', e.tls.detail],
              ['Certificate', e.tls.certificate ? <CertificateChoice key="c" choice={e.tls.certificate} /> : e.tls.mode === 'terminate' ? 'none' : "the backend's own"],
              [
                'Client certificate',
                e.tls.clientCertificate.required
                  ? `required, issued by ${e.tls.clientCertificate.caSubjects.join(' or ') || 'a trusted CA'}${e.tls.clientCertificate.verifyDepth ? ` (depth ${e.tls.clientCertificate.verifyDepth})` : ''}`
                  : 'not required',
              ],
            ]}
          />
          {e.tls.misdirected && <Notice color="red" title="421 Misdirected Request">{e.tls.misdirected.detail}</Notice>}
        </Section>
      )}

      {e.httpPolicy && (
        <Section title="Plain HTTP to a TLS host">
          <Text size="sm">
            {e.httpPolicy.host} has policy <strong>{e.httpPolicy.policy}</strong>: {e.httpPolicy.outcome}
            {e.httpPolicy.status ? ` (${e.httpPolicy.status})` : ''}
            {e.httpPolicy.location ? ` to ${e.httpPolicy.location}` : ''}.
          </Text>
        </Section>
      )}

      <Section title="Path">
        <Text size="sm">
          <code>{e.path.raw}</code> {e.path.ok ? <>normalises to <code>{e.path.normalized}</code></> : <>is refused: {e.path.reason}</>}
        </Text>
      </Section>

      <Section title="Route">
        <MatchView match={e.match} />
        {e.candidates.length > 0 && (
          <ScrollTable minWidth={640} label="Candidate routes">
              <Table.Caption style={{ captionSide: 'top', textAlign: 'left' }}>Candidates, and why each won or lost</Table.Caption>
              <TableHead columns={['Host', 'Path', 'Verdict', 'Why']} />
              <Table.Tbody>
                {e.candidates.map((c) => (
                  <Table.Tr key={c.routeId} data-verdict={c.verdict}>
                    <Table.Td>{c.virtualHost}</Table.Td>
                    <Table.Td>
                      <code>{c.path}</code> ({c.pathType})
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      {/* Badge labels clip with an ellipsis by default; a verdict must be read whole ("no match"). */}
                      <ToneBadge color={VERDICT_COLOR[c.verdict]} miw="fit-content" styles={{ label: { overflow: 'visible' } }}>
                        {VERDICT_LABEL[c.verdict]}
                      </ToneBadge>
                    </Table.Td>
                    {/* The API's "why" often restates the match reason; say it once. */}
                    <Table.Td>{c.why.includes(c.reason) ? c.why : `${c.reason}; ${c.why}`}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </ScrollTable>
        )}
      </Section>

      {(e.rewrite || e.upstreamPath) && (
        <Section title="Upstream path">
          {e.rewrite && (
            <Text size="sm">
              Rewrite <code>{e.rewrite.from}</code> → <code>{e.rewrite.to}</code> turns <code>{e.rewrite.input}</code> into <code>{e.rewrite.result}</code>.
            </Text>
          )}
          {e.upstreamPath && (
            <Text size="sm">
              The upstream receives <code>{e.upstreamPath}</code>.
            </Text>
          )}
        </Section>
      )}

      {e.cluster && (
        <Section title="Backend and endpoint policy">
          <Facts
            rows={[
              ['Service', `${e.cluster.service.namespace}/${e.cluster.service.name} port ${e.cluster.service.port}`],
              ['Endpoint choice', e.cluster.endpointChoice],
              ['Endpoints', `${e.cluster.endpoints.ready} of ${e.cluster.endpoints.total} ready${e.cluster.endpoints.addresses.length ? `: ${e.cluster.endpoints.addresses.map((a) => `${a.address}:${a.port}${a.ready ? '' : ' (not ready)'}`).join(', ')}` : ''}`],
              ['Protocol', e.cluster.protocol === 'h2' ? 'HTTP/2 (gRPC)' : 'HTTP/1.1'],
              [
                'Upstream TLS',
                e.cluster.upstreamTls
                  ? `TLS to ${e.cluster.upstreamTls.serverName}, ${e.cluster.upstreamTls.verify ? `verified against ${e.cluster.upstreamTls.caSubjects.join(', ') || 'the CA'}` : 'not verified'}${e.cluster.upstreamTls.clientCertificateId ? `, presenting ${e.cluster.upstreamTls.clientCertificateId}` : ''}`
                  : 'plain HTTP',
              ],
            ]}
          />
        </Section>
      )}

      {e.notes.length > 0 && (
        <Section title="Notes">
          <List size="sm">
            {e.notes.map((note) => (
              <List.Item key={note}>{note}</List.Item>
            ))}
          </List>
        </Section>
      )}
    </Stack>
  );
}

function MatchView({ match }: { match: Explanation['match'] }) {
  if (match.kind === 'none') {
    return (
      <Text size="sm">
        No route matches{match.hostChain.length ? ` (consulted ${match.hostChain.join(', ')})` : ' (no host claims this name)'}.
      </Text>
    );
  }
  const ingress = match.source?.ingress;
  return (
    <Stack gap={4}>
      <Text size="sm" data-testid="matched-route">
        {match.kind === 'default-backend' ? 'The default backend' : <>Host {match.virtualHost} ({match.hostMatch} match), path <code>{match.path}</code> ({match.pathType}{match.declaredPathType !== match.pathType ? `, declared ${match.declaredPathType}` : ''})</>}
        {ingress && (
          <>
            {' '}from{' '}
            <Anchor component={Link} to={`/ingresses/${ingress.namespace ?? 'default'}/${ingress.name}`}>
              Ingress {ingress.namespace ?? 'default'}/{ingress.name}
            </Anchor>{' '}
            ({match.source?.field})
          </>
        )}
        .
      </Text>
      {match.fellThrough.length > 0 && <Text size="sm">Fell through {match.fellThrough.join(', ')}: the name matched but no path did.</Text>}
    </Stack>
  );
}

function CertificateChoice({ choice }: { choice: NonNullable<NonNullable<Explanation['tls']>['certificate']> }) {
  const [namespace, name] = choice.certificateId?.split('/') ?? [];
  return (
    <>
      {choice.certificateId && namespace && name ? (
        <Anchor component={Link} to={`/certificates/${namespace}/${name}`}>
          {choice.certificateId}
        </Anchor>
      ) : (
        "the proxy's own certificate"
      )}
      : {choice.detail}
      {choice.coversName === false ? ' It does not cover the name asked for.' : ''}
    </>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-label={title}>
      <Stack gap="xs">
        <Title order={2} size="h5">
          {title}
        </Title>
        {children}
      </Stack>
    </Paper>
  );
}
