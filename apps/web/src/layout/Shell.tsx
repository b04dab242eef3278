import { AppShell, Badge, Burger, Button, Group, NavLink as MantineNavLink, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import {
  IconAlertTriangle,
  IconCertificate,
  IconFileCode,
  IconGauge,
  IconHelpCircle,
  IconHistory,
  IconRoute,
} from '@tabler/icons-react';
import { Suspense } from 'react';
import { NavLink, Outlet, useMatch } from 'react-router';
import { Loading } from '../components/states.js';
import { useLiveConnection } from '../live/live-events.js';
import { useSession, useSessionState } from '../session/session.js';

const NAVIGATION = [
  { to: '/', label: 'Overview', icon: IconGauge, end: true },
  { to: '/routes', label: 'Routes', icon: IconRoute },
  { to: '/certificates', label: 'Certificates', icon: IconCertificate },
  { to: '/ingresses', label: 'Ingresses', icon: IconFileCode },
  { to: '/explain', label: 'Explain', icon: IconHelpCircle },
  { to: '/diagnostics', label: 'Diagnostics', icon: IconAlertTriangle },
  { to: '/audit', label: 'Audit log', icon: IconHistory },
];

const CONNECTION_LABEL = { connecting: 'connecting…', open: 'live', reconnecting: 'reconnecting…' } as const;

export function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const { role } = useSession();
  const { signOut } = useSessionState();
  const connection = useLiveConnection();

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Text fw={700} size="lg" component="span">
              Portico
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Tooltip label="Changes appear without a reload while the event stream is live">
              <Badge variant="dot" color={connection === 'open' ? 'green' : 'yellow'} data-testid="live-connection">
                {CONNECTION_LABEL[connection]}
              </Badge>
            </Tooltip>
            <Badge variant="outline" data-testid="role">
              {role}
            </Badge>
            <Button variant="subtle" size="xs" onClick={signOut}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        {NAVIGATION.map((item) => (
          <NavItem key={item.to} {...item} onClick={close} />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<Loading what="the page" />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}

function NavItem({ to, label, icon: Icon, end = false, onClick }: (typeof NAVIGATION)[number] & { onClick: () => void }) {
  const active = useMatch({ path: to, end }) !== null;
  return <MantineNavLink component={NavLink} to={to} end={end} active={active} label={label} leftSection={<Icon size={18} aria-hidden />} onClick={onClick} />;
}
