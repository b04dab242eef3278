import type { Diagnostic, RoutingTable } from '@portico/model';

export const DEFAULT_CERT_EXPIRY_WARNING_DAYS = 21;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Findings the API derives from the compiled table (the compiler does not make them, since they depend on the
 * clock): a certificate proxies serve that has expired (`CertificateExpired`, error) or expires within the warning
 * window (`CertificateExpiring`, warning). The certificate's id is the Secret's `namespace/name`.
 * TODO(libs): move into @portico/compiler or @portico/model once the compiler may take a clock.
 */
export function certificateDiagnostics(table: RoutingTable | undefined, now: number, warningDays: number): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const certificate of table?.certificates ?? []) {
    const notAfter = Date.parse(certificate.notAfter);
    if (Number.isNaN(notAfter)) continue;
    const [namespace, name] = splitId(certificate.id);
    const object = { kind: 'Secret', namespace, name };
    const names = certificate.dnsNames.slice(0, 5).join(', ') || 'no DNS names';
    if (notAfter <= now) {
      diagnostics.push({
        severity: 'error',
        code: 'CertificateExpired',
        message: `the certificate of Secret ${certificate.id} (${names}) expired at ${new Date(notAfter).toISOString()}; clients will refuse it`,
        object,
      });
    } else if (notAfter - now <= warningDays * DAY_MS) {
      const days = Math.floor((notAfter - now) / DAY_MS);
      diagnostics.push({
        severity: 'warning',
        code: 'CertificateExpiring',
        message: `the certificate of Secret ${certificate.id} (${names}) expires in ${days} day${days === 1 ? '' : 's'}, at ${new Date(notAfter).toISOString()}`,
        object,
      });
    }
  }
  return diagnostics;
}

function splitId(id: string): [string, string] {
  const slash = id.indexOf('/');
  return slash < 0 ? ['default', id] : [id.slice(0, slash), id.slice(slash + 1)];
}
