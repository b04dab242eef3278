import { Alert, Center, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { describeError } from '../api/problem.js';

export function Loading({ what }: { what: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Loader size="sm" mr="sm" aria-hidden />
      <Text c="dimmed">Loading {what}…</Text>
    </Center>
  );
}

export function ErrorNotice({ error, title = 'Something went wrong' }: { error: unknown; title?: string }) {
  return (
    <Alert color="red" title={title} icon={<IconAlertTriangle aria-hidden />} role="alert">
      {describeError(error)}
    </Alert>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Stack align="center" py="xl" gap="xs">
      <Text fw={600}>{title}</Text>
      {children && <Text c="dimmed" ta="center" maw={480}>{children}</Text>}
    </Stack>
  );
}

/** Renders loading, error or the data of a query, so every page treats the three the same way. */
export function QueryView<T>({ query, what, children }: { query: { data?: T; error: unknown; isPending: boolean }; what: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading what={what} />;
  if (query.error) return <ErrorNotice error={query.error} title={`Could not load ${what}`} />;
  return <>{children(query.data as T)}</>;
}
