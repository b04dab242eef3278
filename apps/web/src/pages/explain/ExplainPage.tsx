import { Page } from '../../components/page.js';

export function ExplainPage() {
  return <Page title="Explain">{null}</Page>;
}
