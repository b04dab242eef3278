import { Page } from '../../components/page.js';

export function IngressesPage() {
  return <Page title="Ingresses">{null}</Page>;
}
