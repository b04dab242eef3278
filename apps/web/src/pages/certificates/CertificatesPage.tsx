import { Page } from '../../components/page.js';

export function CertificatesPage() {
  return <Page title="Certificates">{null}</Page>;
}
