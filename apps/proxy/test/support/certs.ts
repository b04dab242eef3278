import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCert {
  certPem: string;
  keyPem: string;
}

/**
 * A throw-away CA and leaf certificates made with the openssl CLI (P-256, so generation is fast). Every leaf is
 * signed by the CA; clients verify with `ca.certPem`.
 */
export class TestPki {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'portico-pki-'));
  readonly ca: TestCert;
  readonly caFile: string;
  private n = 0;

  constructor() {
    const key = path.join(this.dir, 'ca.key');
    const crt = path.join(this.dir, 'ca.pem');
    this.openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', '/CN=Portico Test CA']);
    this.ca = { certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') };
    this.caFile = crt;
  }

  /** A leaf for `cn` with the given DNS SANs (default: `cn`). */
  leaf(cn: string, dnsNames: string[] = [cn]): TestCert & { certFile: string; keyFile: string } {
    const base = path.join(this.dir, `leaf-${this.n++}`);
    const ext = `${base}.ext`;
    writeFileSync(ext, `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(',')}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    this.openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`]);
    this.openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', this.caFile, '-CAkey', path.join(this.dir, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', `${base}.pem`]);
    return { certPem: readFileSync(`${base}.pem`, 'utf8'), keyPem: readFileSync(`${base}.key`, 'utf8'), certFile: `${base}.pem`, keyFile: `${base}.key` };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: 'pipe' });
  }
}
