import { Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { describeError } from '../api/problem.js';
import { useSessionState } from './session.js';

/** Asks for a viewer or admin token; `npm start` prints one (and a URL that signs in with it). */
export function SignIn() {
  const { signIn } = useSessionState();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token);
    } catch (failure) {
      setError(describeError(failure).replace('Sign in again.', 'Check the token and try again.'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" w={420} maw="100%" component="main">
        <form onSubmit={submit}>
          <Stack>
            <Title order={1} size="h2">
              Sign in to Portico
            </Title>
            <Text c="dimmed" size="sm">
              Paste the admin or viewer token. `npm start` prints the admin token and keeps it in the data directory's tokens.json.
            </Text>
            <PasswordInput label="Token" value={token} onChange={(e) => setToken(e.currentTarget.value)} error={error} required autoFocus autoComplete="current-password" />
            <Button type="submit" loading={busy} disabled={!token.trim()}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
