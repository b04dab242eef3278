import { Anchor } from '@mantine/core';
import { Link } from 'react-router';
import { Page } from '../../components/page.js';
import { IngressEditor } from './IngressEditor.js';
import { newIngress } from './ingress-form.js';

export function NewIngressPage() {
  return (
    <Page title="New Ingress" description={<Anchor component={Link} to="/ingresses">All Ingresses</Anchor>}>
      <IngressEditor initial={newIngress()} create />
    </Page>
  );
}
