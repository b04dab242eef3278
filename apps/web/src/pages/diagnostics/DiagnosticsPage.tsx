import { Page } from '../../components/page.js';

export function DiagnosticsPage() {
  return <Page title="Diagnostics">{null}</Page>;
}
