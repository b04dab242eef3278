import { Page } from '../../components/page.js';

export function HostPage() {
  return <Page title="Host">{null}</Page>;
}
