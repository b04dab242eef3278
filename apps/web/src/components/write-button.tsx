import { Button, Tooltip, type ButtonProps } from '@mantine/core';
import type { MouseEventHandler, ReactNode } from 'react';
import { useWriteAccess } from '../session/session.js';

/**
 * A button that changes something. For a viewer it is disabled with the reason as a tooltip and as its accessible
 * description. It stays focusable (aria-disabled, not disabled) so keyboard users reach the reason too; the click is
 * swallowed, so no write request can be sent.
 */
export function WriteButton({ children, onClick, type = 'button', ...props }: ButtonProps & { children: ReactNode; onClick?: MouseEventHandler<HTMLButtonElement>; type?: 'button' | 'submit' }) {
  const { canWrite, reason } = useWriteAccess();
  if (canWrite) {
    return (
      <Button type={type} onClick={onClick} {...props}>
        {children}
      </Button>
    );
  }
  return (
    <Tooltip label={reason}>
      <Button type={type} {...props} data-disabled aria-disabled="true" aria-description={reason} onClick={(event) => event.preventDefault()}>
        {children}
      </Button>
    </Tooltip>
  );
}
