import type { CertificateEntry } from './certificate-types.js';
import { ToneBadge } from '../../components/tone.js';

export function ChainBadge({ chain }: { chain: CertificateEntry['chain'] }) {
  if (!chain) return <ToneBadge color="gray">not checked</ToneBadge>;
  if (!chain.valid) return <ToneBadge color="red" title={chain.problems.join('; ')}>chain invalid</ToneBadge>;
  return (
    <ToneBadge color={chain.selfSigned ? 'yellow' : 'teal'}>
      {chain.selfSigned ? 'valid, self-signed' : 'chain valid'}
    </ToneBadge>
  );
}
