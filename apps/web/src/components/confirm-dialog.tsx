import { Alert, Button, Group, Modal, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { describeError } from '../api/problem.js';
import { WriteButton } from './write-button.js';

/** A change that needs a second thought (a delete): what it does, its failure in words, Cancel and the confirm button. */
export function ConfirmDialog({
  title,
  opened,
  onClose,
  onConfirm,
  confirm,
  pending,
  error,
  errorTitle = 'Not done',
  errorColor = 'red',
  children,
}: {
  title: string;
  opened: boolean;
  onClose: () => void;
  onConfirm: () => void;
  confirm: string;
  pending: boolean;
  error: unknown;
  errorTitle?: string;
  errorColor?: string;
  children: ReactNode;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={title}>
      <Stack>
        <Text size="sm">{children}</Text>
        {error !== null && error !== undefined && (
          <Alert color={errorColor} title={errorTitle} role="alert">
            {describeError(error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <WriteButton color="red" loading={pending} onClick={onConfirm}>
            {confirm}
          </WriteButton>
        </Group>
      </Stack>
    </Modal>
  );
}
