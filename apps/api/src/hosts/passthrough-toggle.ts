import { BadRequestException, ConflictException, HttpException, Injectable, NotFoundException } from '@nestjs/common';
import { ANNOTATIONS, parseBoolean } from '@portico/compiler';
import { normalizeHost } from '@portico/matcher';
import type { IngressObject, ObjectRef } from '@portico/model';
import { z } from 'zod';
import { AuditLog } from '../audit/audit-log.js';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { clientVerificationOf, ingressesForHost, ingressRef, refKey, ruleHosts, tableView, type TableView } from './table-view.js';
import { httpErrorOf, WritableSourceAccess } from './writable-source-access.js';

export const PassthroughToggleSchema = z.object({
  enabled: z.boolean(),
  dryRun: z.boolean().optional().describe('true: answer what would change and write nothing'),
  allIngresses: z
    .boolean()
    .optional()
    .describe('when several Ingresses name the host, toggle them all (they must agree: the oldest claim of a host\'s TLS mode wins, later ones conflict); without it such a host is a 409'),
  resourceVersion: z.string().min(1).optional().describe('the owning Ingress\'s version as read (one owner only); default: the version the API last saw. A stale one is a 409'),
});
export type PassthroughToggle = z.infer<typeof PassthroughToggleSchema>;

export interface PassthroughEffects {
  /** Routes that stop applying (passthrough forwards whole connections to the first path's backend). */
  routesStopApplying: Array<{ id: string; path: string; pathType: string }>;
  /** Where the TLS connections would go (the backend of the rule's first path). */
  forwardedTo: Array<{ ingress: ObjectRef; clusterId: string | null; service: string | null }>;
  rewritesStopApplying: Array<{ routeId: string; from: string; to: string }>;
  /** Client-certificate verification that stops applying (the compiler refuses verify-client with passthrough). */
  clientVerificationStopsApplying: { caSubjects: string[]; verifyDepth: number | null } | null;
  forwardedHeadersStopApplying: string[];
  /** The certificate the proxy serves now and would no longer serve (the backend presents its own). */
  certificateNoLongerServed: string | null;
  /** Other hosts of the same Ingress(es): the annotation applies to every rule host of an Ingress. */
  alsoAffectedHosts: string[];
}

export interface PassthroughResult {
  host: string;
  enabled: boolean;
  dryRun: boolean;
  /** True when something was written. */
  written: boolean;
  ingresses: Array<{ ingress: ObjectRef; before: string | null; after: string | null; changed: boolean; resourceVersion: string | null }>;
  effects: PassthroughEffects | null;
  warnings: string[];
  /** The table generation that carries the switch, for a client to watch proxies apply it; null when nothing was written. */
  generation: number | null;
}

/** How long the answer waits for the compile that carries the switch (it is written either way). */
const COMPILE_WAIT_MS = 3000;

const FORWARDED_HEADERS = ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Real-IP'];

/**
 * `portico.dev/ssl-passthrough` on the Ingress(es) owning a host: what the switch changes, and (unless a dry run) the
 * merge patch that makes it, conditional on the version read.
 */
@Injectable()
export class PassthroughToggleService {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly access: WritableSourceAccess,
    private readonly audit: AuditLog,
  ) {}

  async toggle(actor: string, rawHost: string, body: PassthroughToggle): Promise<PassthroughResult> {
    const host = normalizeHost(rawHost);
    if (!host || host === '*') throw new BadRequestException('passthrough is chosen by SNI: only a named host can be passed through');
    const view = tableView(this.pipeline);
    const owners = ingressesForHost(view.snapshot, host);
    if (!owners.length) throw new NotFoundException(`no Ingress has a rule for host ${host}`);
    if (owners.length > 1 && !body.allIngresses) {
      throw new ConflictException(
        `host ${host} is named by ${owners.length} Ingresses (${owners.map((i) => refKey(ingressRef(i))).join(', ')}); passthrough is set per Ingress and they must agree: send allIngresses: true to switch them all`,
      );
    }
    if (owners.length > 1 && body.resourceVersion) throw new BadRequestException('resourceVersion applies to a single owning Ingress; omit it with allIngresses');
    const value = (i: IngressObject) => i.metadata?.annotations?.[ANNOTATIONS.sslPassthrough] ?? null;
    const plan = owners.map((ingress) => {
      const before = value(ingress);
      const current = before !== null && parseBoolean(before) === true;
      return { ingress, before, after: body.enabled ? 'true' : null, changed: current !== body.enabled || (!body.enabled && before !== null) };
    });
    const { effects, warnings } = body.enabled ? enableEffects(view, host, owners) : disableEffects(view, host, owners);
    const result: PassthroughResult = {
      host,
      enabled: body.enabled,
      dryRun: body.dryRun === true,
      written: false,
      ingresses: plan.map((p) => ({ ingress: ingressRef(p.ingress), before: p.before, after: p.changed ? p.after : p.before, changed: p.changed, resourceVersion: p.ingress.metadata?.resourceVersion ?? null })),
      effects,
      warnings,
      generation: null,
    };
    if (body.dryRun || !plan.some((p) => p.changed)) return result;

    const writer = this.access.writer();
    for (const [i, step] of plan.entries()) {
      if (!step.changed) continue;
      const ref = ingressRef(step.ingress);
      const resourceVersion = body.resourceVersion ?? step.ingress.metadata?.resourceVersion;
      let written: IngressObject;
      try {
        written = await writer.patch('Ingress', { namespace: ref.namespace ?? 'default', name: ref.name }, { metadata: { annotations: { [ANNOTATIONS.sslPassthrough]: step.after } } }, resourceVersion ? { resourceVersion } : {});
      } catch (error) {
        const done = plan.slice(0, i).filter((p) => p.changed).map((p) => refKey(ingressRef(p.ingress)));
        const mapped = httpErrorOf(error);
        if (done.length && mapped instanceof HttpException) throw new HttpException(`${mapped.message}; already switched: ${done.join(', ')}`, mapped.getStatus());
        throw mapped;
      }
      result.written = true;
      result.ingresses[i]!.resourceVersion = written.metadata?.resourceVersion ?? null;
      this.audit.record({
        actor,
        action: body.enabled ? 'host.passthrough.enable' : 'host.passthrough.disable',
        target: { kind: 'Ingress', namespace: ref.namespace ?? 'default', name: ref.name },
        before: step.ingress,
        after: written,
      });
    }
    const written = result.ingresses.filter((i) => i.changed);
    const compiled = await this.pipeline.compiledWhen(
      (snapshot) => written.every((w) => snapshot.ingresses.some((o) => o.metadata?.name === w.ingress.name && (o.metadata?.namespace ?? 'default') === (w.ingress.namespace ?? 'default') && o.metadata?.resourceVersion === w.resourceVersion)),
      COMPILE_WAIT_MS,
    );
    result.generation = compiled?.generation ?? null;
    return result;
  }
}

function otherHosts(owners: IngressObject[], host: string): string[] {
  return [...new Set(owners.flatMap(ruleHosts))].filter((h) => h !== host && h !== '*').sort();
}

function enableEffects(view: TableView, host: string, owners: IngressObject[]): { effects: PassthroughEffects; warnings: string[] } {
  const vhost = view.table.virtualHosts.find((v) => v.host === host);
  const warnings: string[] = [];
  const kept = new Set<string>();
  const forwardedTo: PassthroughEffects['forwardedTo'] = [];
  for (const ingress of owners) {
    const ref = ingressRef(ingress);
    const rules = Array.isArray(ingress.spec?.rules) ? ingress.spec.rules : [];
    rules.forEach((rule, r) => {
      if ((rule.host ?? '').toLowerCase() !== host) return;
      const id = `${refKey(ref)}:r${r}p0`;
      kept.add(id);
      const route = vhost?.routes.find((x) => x.id === id);
      const cluster = route ? view.table.clusters.find((c) => c.id === route.clusterId) : undefined;
      const backend = rule.http?.paths?.[0]?.backend?.service;
      forwardedTo.push({ ingress: ref, clusterId: cluster?.id ?? null, service: cluster ? `${cluster.service.namespace}/${cluster.service.name}:${cluster.service.port}` : backend?.name ? `${ref.namespace}/${backend.name}` : null });
    });
    if (ingress.metadata?.annotations?.[ANNOTATIONS.tlsVerifyClient] && parseBoolean(ingress.metadata.annotations[ANNOTATIONS.tlsVerifyClient]!) === true) {
      warnings.push(`Ingress ${refKey(ref)} requires client certificates (${ANNOTATIONS.tlsVerifyClient}); a passthrough host cannot verify them, so the compiler refuses the whole Ingress (fail closed) until that annotation is removed`);
    }
  }
  const routes = vhost?.routes ?? [];
  const clientVerification = clientVerificationOf(vhost);
  const tls = vhost?.tls;
  const effects: PassthroughEffects = {
    routesStopApplying: routes.filter((r) => !kept.has(r.id)).map((r) => ({ id: r.id, path: r.path, pathType: r.pathType })),
    forwardedTo,
    rewritesStopApplying: routes.filter((r) => r.rewrite).map((r) => ({ routeId: r.id, from: r.rewrite!.from, to: r.rewrite!.to })),
    clientVerificationStopsApplying: clientVerification.required ? { caSubjects: clientVerification.caSubjects, verifyDepth: clientVerification.verifyDepth } : null,
    forwardedHeadersStopApplying: FORWARDED_HEADERS,
    certificateNoLongerServed: tls?.mode === 'terminate' ? (tls.certificateId ?? '(the default certificate)') : null,
    alsoAffectedHosts: otherHosts(owners, host),
  };
  const services = forwardedTo.map((f) => f.service).filter(Boolean).join(', ') || 'the first path\'s backend';
  warnings.push(`the backend (${services}) must speak TLS itself and present a certificate valid for ${host}: the proxy relays the raw TLS bytes and the backend's certificate is what clients see (not checked by this API)`);
  warnings.push('the backend no longer sees the client IP in X-Forwarded-For (only the proxy\'s address) and receives no HTTP-level headers from the proxy');
  if (effects.alsoAffectedHosts.length) warnings.push(`the annotation is per Ingress: ${effects.alsoAffectedHosts.join(', ')} switch too`);
  if (owners.some((i) => Array.isArray(i.spec?.tls) && i.spec.tls.length)) warnings.push('spec.tls is ignored while passthrough is on (PassthroughIgnoresTls)');
  if (tls?.mode === 'passthrough') warnings.push(`${host} is already passed through`);
  return { effects, warnings };
}

function disableEffects(view: TableView, host: string, owners: IngressObject[]): { effects: PassthroughEffects | null; warnings: string[] } {
  const vhost = view.table.virtualHosts.find((v) => v.host === host);
  const warnings: string[] = [];
  const terminates = owners.some((i) => (Array.isArray(i.spec?.tls) ? i.spec.tls : []).some((t) => !t.hosts?.length || t.hosts.map((h) => h.toLowerCase()).includes(host)));
  if (vhost?.tls?.mode !== 'passthrough') warnings.push(`${host} is not passed through now`);
  warnings.push(
    terminates
      ? `the proxy terminates TLS for ${host} with the certificate of spec.tls again; every path rule, rewrite and forwarded header applies again`
      : `no spec.tls names ${host}: after the switch it is a plain host (TLS connections for it get the default certificate); add it to spec.tls to terminate it with its own certificate`,
  );
  if (otherHosts(owners, host).length) warnings.push(`the annotation is per Ingress: ${otherHosts(owners, host).join(', ')} switch too`);
  return { effects: null, warnings };
}
