import { Page } from '../../components/page.js';

export function RoutesPage() {
  return <Page title="Routes">{null}</Page>;
}
