import { Badge } from '@mantine/core';
import type { CertificateEntry } from './certificate-types.js';

export function ChainBadge({ chain }: { chain: CertificateEntry['chain'] }) {
  if (!chain) return <Badge color="gray" variant="light">not checked</Badge>;
  if (!chain.valid) return <Badge color="red" variant="light" title={chain.problems.join('; ')}>chain invalid</Badge>;
  return (
    <Badge color={chain.selfSigned ? 'yellow' : 'teal'} variant="light" style={{ textTransform: 'none' }}>
      {chain.selfSigned ? 'valid, self-signed' : 'chain valid'}
    </Badge>
  );
}
