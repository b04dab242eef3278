import { beforeAll, describe, expect, it } from 'vitest';
import type { ConfigMapObject } from '@portico/model';
import { selfSigned, tlsSecret, type TestCertificate } from '@portico/testing';
import { compile, defaultTlsControllerSettings, SETTING_KEYS } from '../src/index.js';
import { ingress, withBackends } from './fixtures.js';

let site: TestCertificate;
let fallback: TestCertificate;
beforeAll(async () => {
  [site, fallback] = await Promise.all([selfSigned(['a.com']), selfSigned(['fallback.example'])]);
});

const settingsMap = (data: Record<string, string>, name = 'portico-settings'): ConfigMapObject => ({ kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });

function run(data: Record<string, string> | null, flags = defaultTlsControllerSettings()) {
  const ing = ingress('site', { rules: [{ host: 'a.com', paths: [{ service: 'a' }] }] });
  ing.spec!.tls = [{ hosts: ['a.com'], secretName: 'site-tls' }];
  const snap = withBackends([ing], { secrets: [tlsSecret('site-tls', site), tlsSecret('fallback', fallback)], configMaps: data ? [settingsMap(data)] : [] });
  return compile(snap, { tls: flags });
}

describe('controller TLS settings: flags, overridden live by the settings ConfigMap', () => {
  it('defaults: TLS on, no global passthrough, the proxy’s own default certificate', () => {
    expect(run(null).config.tlsSettings).toEqual({ enabled: true, defaultCertificateId: null, globalPassthrough: null });
  });

  it('flags set the global passthrough and the default certificate', () => {
    const flags = { ...defaultTlsControllerSettings(), sslPassthrough: { enabled: true, upstreamPort: 8443, allowedNames: ['b.example', '*.c.example'] }, defaultCertificate: 'default/fallback' };
    const { config, diagnostics } = run(null, flags);
    expect(diagnostics).toEqual([]);
    expect(config.tlsSettings).toEqual({ enabled: true, defaultCertificateId: 'default/fallback', globalPassthrough: { upstreamPort: 8443, allowedNames: ['*.c.example', 'b.example'] } });
    expect(config.certificates.map((c) => c.id)).toEqual(['default/fallback', 'default/site-tls']);
  });

  it('the ConfigMap overrides the flags', () => {
    const { config, diagnostics } = run({
      [SETTING_KEYS.passthroughEnabled]: 'true',
      [SETTING_KEYS.passthroughUpstreamPort]: '9443',
      [SETTING_KEYS.passthroughAllowedNames]: 'x.example, *.y.example',
      [SETTING_KEYS.defaultCertificate]: 'fallback',
    });
    expect(diagnostics).toEqual([]);
    expect(config.tlsSettings).toEqual({ enabled: true, defaultCertificateId: 'default/fallback', globalPassthrough: { upstreamPort: 9443, allowedNames: ['*.y.example', 'x.example'] } });
  });

  it('tls.enabled=false: no host is TLS, nothing to redirect, and the proxies are told to refuse TLS', () => {
    const { config } = run({ [SETTING_KEYS.enabled]: 'false' });
    expect(config.tlsSettings.enabled).toBe(false);
    expect(config.virtualHosts[0].tls).toBeUndefined();
    expect(config.certificates).toEqual([]);
  });

  it('an invalid value is a diagnostic on the ConfigMap naming the key, and the flag value stays', () => {
    const { config, diagnostics } = run({ [SETTING_KEYS.passthroughUpstreamPort]: '99999', [SETTING_KEYS.passthroughEnabled]: 'true', 'tls.typo': 'x' });
    expect(config.tlsSettings.globalPassthrough?.upstreamPort).toBe(443);
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', object: { kind: 'ConfigMap', namespace: 'default', name: 'portico-settings' }, field: 'data["tls.sslPassthrough.upstreamPort"]' }),
      expect.objectContaining({ severity: 'warning', field: 'data["tls.typo"]' }),
    ]);
  });

  it('an unreadable mTLS value turns client verification on (fail closed)', () => {
    const { config, diagnostics } = run({ [SETTING_KEYS.mtls]: 'maybe' });
    // No CA is referenced, so with mTLS forced on the terminated host is not served at all.
    expect(config.virtualHosts).toEqual([]);
    expect(diagnostics.map((d) => d.field)).toContain('data["tls.mTLS"]');
  });

  it('a default certificate Secret that is missing is a diagnostic; the proxy’s own default stays', () => {
    const { config, diagnostics } = run({ [SETTING_KEYS.defaultCertificate]: 'nope' });
    expect(config.tlsSettings.defaultCertificateId).toBeNull();
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'SecretNotFound', field: 'tls.defaultCertificate' })]);
  });

  it('tls.httpPolicy sets what plain HTTP gets on hosts whose Ingress says nothing; an annotation still wins', () => {
    expect(run({ [SETTING_KEYS.httpPolicy]: 'reject' }).config.virtualHosts[0].tls?.httpPolicy).toBe('reject');
    expect(run(null, { ...defaultTlsControllerSettings(), httpPolicy: 'allow' }).config.virtualHosts[0].tls?.httpPolicy).toBe('allow');
    const ing = ingress('site', { annotations: { 'portico.dev/http-policy': 'redirect' }, rules: [{ host: 'a.com', paths: [{ service: 'a' }] }] });
    ing.spec!.tls = [{ hosts: ['a.com'], secretName: 'site-tls' }];
    const snap = withBackends([ing], { secrets: [tlsSecret('site-tls', site)], configMaps: [settingsMap({ [SETTING_KEYS.httpPolicy]: 'reject' })] });
    expect(compile(snap).config.virtualHosts[0].tls?.httpPolicy).toBe('redirect');
    const invalid = run({ [SETTING_KEYS.httpPolicy]: 'sometimes' });
    expect(invalid.config.virtualHosts[0].tls?.httpPolicy).toBe('redirect');
    expect(invalid.diagnostics).toEqual([expect.objectContaining({ field: 'data["tls.httpPolicy"]' })]);
  });

  it('other ConfigMaps are ignored', () => {
    const ing = ingress('site', { rules: [{ host: 'a.com', paths: [{ service: 'a' }] }] });
    const snap = withBackends([ing], { configMaps: [settingsMap({ [SETTING_KEYS.enabled]: 'false' }, 'unrelated')] });
    expect(compile(snap).config.tlsSettings.enabled).toBe(true);
  });
});
