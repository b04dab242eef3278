import type { ActiveConfig } from '../config/active-config.js';
import type { BuiltContext } from './secure-contexts.js';

/**
 * The certificate served when no host's own applies (no SNI, a name no TLS host claims, a host with
 * `certificateId: null`, or one whose certificate is missing or does not load): the table's
 * `tlsSettings.defaultCertificateId` when it names a certificate that loaded, else the proxy's own (`fallback`:
 * `--default-cert`, or the generated one).
 */
export function defaultCertificateOf(config: ActiveConfig | null, fallback: BuiltContext): BuiltContext {
  const id = config?.table.tlsSettings.defaultCertificateId;
  return (id != null && config?.secureContexts.get(id)) || fallback;
}

/** The certificate for an SNI, from the table current at handshake time: the governing host's, else the default. */
export function certificateFor(config: ActiveConfig | null, serverName: string, fallback: BuiltContext): BuiltContext {
  const governing = config?.index.tlsHost(serverName)?.tls;
  if (governing?.mode === 'terminate' && governing.certificateId !== null) {
    const built = config!.secureContexts.get(governing.certificateId);
    if (built) return built;
  }
  return defaultCertificateOf(config, fallback);
}
