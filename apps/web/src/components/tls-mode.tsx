import { Badge, Group, Text, Tooltip } from '@mantine/core';
import { IconArrowsExchange, IconCertificate, IconLock, IconLockOpen, IconShieldCheck } from '@tabler/icons-react';
import type { ComponentType } from 'react';
import { readableText } from './tone.js';

/** How traffic for a host is secured; a host shows its main mode plus any of `https-upstream` and `mtls`. */
export type TlsMode = 'plain' | 'terminated' | 'passthrough' | 'https-upstream' | 'mtls';

interface ModeStyle {
  label: string;
  color: string;
  icon: ComponentType<{ size?: number; 'aria-hidden'?: boolean }>;
  meaning: string;
}

export const TLS_MODES: Record<TlsMode, ModeStyle> = {
  plain: { label: 'Plain HTTP', color: 'gray', icon: IconLockOpen, meaning: 'no TLS settings: served over plain HTTP' },
  terminated: { label: 'Terminated', color: 'teal', icon: IconLock, meaning: 'Portico ends TLS with a certificate chosen by SNI' },
  passthrough: { label: 'Passthrough', color: 'grape', icon: IconArrowsExchange, meaning: 'encrypted bytes relayed to the backend, chosen by SNI' },
  'https-upstream': { label: 'HTTPS upstream', color: 'blue', icon: IconCertificate, meaning: 'Portico speaks TLS to the backend' },
  mtls: { label: 'mTLS', color: 'orange', icon: IconShieldCheck, meaning: 'clients must present a certificate' },
};

/** Colour, icon and words for one mode: never colour alone, so it reads the same without colour vision. */
export function TlsModeBadge({ mode }: { mode: TlsMode }) {
  const style = TLS_MODES[mode];
  const Icon = style.icon;
  return (
    <Tooltip label={style.meaning}>
      <Badge color={style.color} c={readableText(style.color)} variant="light" leftSection={<Icon size={14} aria-hidden />} data-tls-mode={mode}>
        {style.label}
      </Badge>
    </Tooltip>
  );
}

export function TlsModeLegend() {
  return (
    <Group gap="xs" aria-label="TLS modes legend" role="list">
      {(Object.keys(TLS_MODES) as TlsMode[]).map((mode) => (
        <Group key={mode} gap={4} role="listitem">
          <TlsModeBadge mode={mode} />
          <Text size="xs" c="dimmed" visibleFrom="sm">
            {TLS_MODES[mode].meaning}
          </Text>
        </Group>
      ))}
    </Group>
  );
}
