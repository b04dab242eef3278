import type { HttpPolicy } from '@portico/model';

export interface CompileOptions {
  /** `IngressClass.spec.controller` values that are ours. */
  controllerName: string;
  /** Class names claimed even without an IngressClass object (e.g. `pipy` during a migration from FSM). */
  classNames: string[];
  /** Take Ingresses that name no class even when none of our classes is marked default. */
  watchIngressWithoutClass: boolean;
  /** The controller's TLS switches as flags set them; the settings ConfigMap overrides them. */
  tls: TlsControllerSettings;
  /** `namespace/name` of the ConfigMap whose data overrides `tls` at run time; null: none. */
  settingsConfigMap: string | null;
}

/** FSM's `fsmIngress.tls` values: `enabled`, `mTLS`, `sslPassthrough.{enabled, upstreamPort}`, plus Portico's own. */
export interface TlsControllerSettings {
  enabled: boolean;
  /** Require a client certificate on every terminated host, trusting every CA the Ingresses reference. */
  mtls: boolean;
  sslPassthrough: { enabled: boolean; upstreamPort: number; allowedNames: string[] };
  /** `namespace/name` of a TLS Secret served when no host's certificate applies; null: the proxy's own. */
  defaultCertificate: string | null;
  /** What plain HTTP to a TLS host gets when its Ingress has no `portico.dev/http-policy` annotation. */
  httpPolicy: HttpPolicy;
}

export const DEFAULT_CONTROLLER_NAME = 'portico.dev/ingress-controller';
export const DEFAULT_SETTINGS_CONFIGMAP = 'default/portico-settings';

export const defaultTlsControllerSettings = (): TlsControllerSettings => ({
  enabled: true,
  mtls: false,
  sslPassthrough: { enabled: false, upstreamPort: 443, allowedNames: [] },
  defaultCertificate: null,
  httpPolicy: 'redirect',
});

export const defaultCompileOptions = (): CompileOptions => ({
  controllerName: DEFAULT_CONTROLLER_NAME,
  classNames: ['portico'],
  watchIngressWithoutClass: false,
  tls: defaultTlsControllerSettings(),
  settingsConfigMap: DEFAULT_SETTINGS_CONFIGMAP,
});
