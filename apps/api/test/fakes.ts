import { performance } from 'node:perf_hooks';
import { defaultTlsSettings, emptySnapshot, type ClusterSnapshot, type CompiledConfig, type Diagnostic, type ObjectRef } from '@portico/model';
import type { CompileResult } from '@portico/compiler';
import type { ConfigSource, SourceChangeListener, SourceLocation } from '../src/sources/config-source.js';

/** A source whose snapshot a test sets by hand. */
export class FakeSource implements ConfigSource {
  current: ClusterSnapshot = emptySnapshot();
  sourceDiagnostics: Diagnostic[] = [];
  locations = new Map<string, SourceLocation>();
  started = false;
  private readonly listeners = new Set<SourceChangeListener>();

  async start(): Promise<void> {
    this.started = true;
  }
  stop(): void {
    this.started = false;
  }
  snapshot(): ClusterSnapshot {
    return this.current;
  }
  diagnostics(): Diagnostic[] {
    return this.sourceDiagnostics;
  }
  locate(ref: ObjectRef): SourceLocation | undefined {
    return this.locations.get(`${ref.kind}/${ref.namespace}/${ref.name}`);
  }
  onChange(listener: SourceChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(update: Partial<ClusterSnapshot>, detectedAt = performance.now()): void {
    this.current = { ...this.current, ...update };
    for (const listener of this.listeners) listener({ detectedAt });
  }
}

/**
 * A stand-in compiler: one virtual host per Ingress host, with a diagnostic for each Ingress without rules. It lets
 * the API's tests observe generations while the real compiler is tested on its own.
 */
export function fakeCompile(snapshot: ClusterSnapshot): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const hosts = new Set<string>();
  for (const ingress of snapshot.ingresses) {
    const rules = ingress.spec?.rules ?? [];
    if (rules.length === 0) {
      diagnostics.push({
        severity: 'warning',
        code: 'NoRules',
        message: `Ingress ${ingress.metadata?.name} has no rules`,
        object: { kind: 'Ingress', namespace: ingress.metadata?.namespace ?? 'default', name: ingress.metadata?.name ?? '' },
        field: 'spec.rules',
      });
    }
    for (const rule of rules) if (rule.host) hosts.add(rule.host);
  }
  const config: CompiledConfig = {
    virtualHosts: [...hosts].sort().map((host) => ({ host, match: 'exact' as const, routes: [] })),
    clusters: [],
    defaultBackend: null,
    certificates: [],
    tlsSettings: defaultTlsSettings(),
  };
  return { config, diagnostics };
}

export const ingress = (name: string, hosts: string[]) => ({
  kind: 'Ingress',
  metadata: { name, namespace: 'default' },
  spec: { rules: hosts.map((host) => ({ host })) },
});
