import { HttpStatus, NotFoundException } from '@nestjs/common';
import type { CompileResult } from '@portico/compiler';
import type { ClusterSnapshot, Diagnostic, IngressObject } from '@portico/model';
import type { AuditLog } from '../audit/audit-log.js';
import type { ControlPlane } from '../control-plane.js';
import { ValidationProblem, type FieldError } from '../errors/problem.js';
import { mergePatch } from '../sources/file-store/manifest-writer.js';
import type { WritableSource, WriteTarget } from '../sources/config-source.js';
import type { IngressList, IngressView, ListQuery } from './ingress-schemas.js';
import { routeChanges, type IngressDryRun } from './dry-run.js';

const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
/** Diagnostic codes about the Ingress itself (its spec and annotations), as opposed to what it refers to. */
const OBJECT_CODES: ReadonlySet<string> = new Set(['InvalidIngress', 'InvalidAnnotation']);

export const keyOf = (at: WriteTarget): string => `${at.namespace}/${at.name}`;
const targetOf = (object: IngressObject | undefined): WriteTarget => ({ namespace: object?.metadata?.namespace ?? 'default', name: object?.metadata?.name ?? '' });

/**
 * Reads Ingresses from the source with their compiled view, and checks candidates with the compiler before they are
 * written. Reads come from the source's current snapshot (a cluster's informer cache, or the last scan of the
 * manifests); a write through the API resolves only once that snapshot shows it (see visible-writes.ts).
 */
export class IngressesService {
  constructor(private readonly controlPlane: ControlPlane) {}

  get audit(): AuditLog {
    return this.controlPlane.audit;
  }

  get writer(): WritableSource {
    return this.controlPlane.writer;
  }

  find(at: WriteTarget): IngressObject | undefined {
    return this.controlPlane.source.snapshot().ingresses.find((o) => keyOf(targetOf(o)) === keyOf(at));
  }

  require(at: WriteTarget): IngressObject {
    const found = this.find(at);
    if (!found) throw new NotFoundException(`Ingress ${at.namespace}/${at.name} not found`);
    return found;
  }

  list(query: ListQuery): IngressList {
    const after = query.continue === undefined ? undefined : decodeCursor(query.continue);
    const host = query.host?.toLowerCase();
    const matching = this.controlPlane.source
      .snapshot()
      .ingresses.filter((o) => query.namespace === undefined || targetOf(o).namespace === query.namespace)
      .filter((o) => query.class === undefined || classOf(o) === query.class)
      .filter((o) => host === undefined || hostsOf(o).includes(host))
      .sort((a, b) => compareKeys(keyOf(targetOf(a)), keyOf(targetOf(b))))
      .filter((o) => after === undefined || compareKeys(keyOf(targetOf(o)), after) > 0);
    const page = matching.slice(0, query.limit);
    const more = matching.length > page.length;
    return { items: page.map((o) => this.view(o)), continue: more ? encodeCursor(keyOf(targetOf(page.at(-1)))) : null };
  }

  /** The object with its routes and diagnostics; `object` may be what a write just stored, ahead of the pipeline. */
  view(object: IngressObject | null, at: WriteTarget = targetOf(object ?? undefined)): IngressView {
    const { pipeline, registry } = this.controlPlane;
    const key = keyOf(at);
    const table = pipeline.currentTable();
    const routes = (table?.virtualHosts ?? []).flatMap((vh) =>
      vh.routes.filter((r) => keyOf(targetOf({ metadata: r.source.ingress })) === key).map((r) => ({ host: vh.host, ...r })),
    );
    const diagnostics = pipeline.diagnostics().filter((d) => d.object?.kind === 'Ingress' && keyOf(targetOf({ metadata: d.object })) === key);
    const compiled = pipeline.lastCompiled()?.snapshot.ingresses.find((o) => keyOf(targetOf(o)) === key);
    const pending = object === null ? compiled !== undefined : compiled?.metadata?.resourceVersion !== object.metadata?.resourceVersion;
    const generation = pipeline.generation();
    const proxies = registry.list().filter((p) => p.connected);
    return {
      object: object as Record<string, unknown> | null,
      routes,
      diagnostics,
      applied: { generation, proxies: proxies.length, appliedBy: proxies.filter((p) => p.appliedGeneration !== null && p.appliedGeneration >= generation).length },
      pending,
    };
  }

  /**
   * Compiles the current snapshot with the candidate in place of the stored object and refuses (422) when the
   * compiler finds the candidate itself invalid: its spec, or its annotations (an invalid value the compiler would
   * only warn about and ignore is refused too — through the API a typo is caught before it is stored). Findings
   * about what it refers to (a missing Service or Secret, a route conflict) do not block the write; they come back
   * as the object's diagnostics.
   */
  async check(candidate: IngressObject): Promise<void> {
    await this.checked(candidate);
  }

  /**
   * A dry run (`?dryRun=All`): the same check as a write, then what the write would give — the candidate's compiled
   * routes and diagnostics, and the routes it adds, removes or changes in the table. Both tables are compiled from
   * the same snapshot, so the change shows only the candidate's effect. Nothing is written.
   */
  async preview(candidate: IngressObject): Promise<IngressDryRun> {
    const { compile, compileOptions, source } = this.controlPlane;
    const snapshot = source.snapshot();
    const after = await this.checked(candidate, snapshot);
    const before = await compile(snapshot, compileOptions);
    const key = keyOf(targetOf(candidate));
    const routesOf = (config: CompileResult['config']) => config.virtualHosts.flatMap((vh) => vh.routes.map((r) => ({ host: vh.host, ...r })));
    const candidateRoutes = routesOf(after.config);
    return {
      ...this.view(candidate),
      object: candidate as IngressDryRun['object'],
      routes: candidateRoutes.filter((r) => keyOf(targetOf({ metadata: r.source.ingress })) === key),
      diagnostics: after.diagnostics.filter((d) => d.object?.kind === 'Ingress' && keyOf(targetOf({ metadata: d.object })) === key),
      pending: true,
      dryRun: true,
      changes: routeChanges(routesOf(before.config), candidateRoutes),
    };
  }

  /** Compiles the snapshot with the candidate in place of the stored object; throws 422 for an invalid candidate. */
  private async checked(candidate: IngressObject, snapshot: ClusterSnapshot = this.controlPlane.source.snapshot()): Promise<CompileResult> {
    const { compile, compileOptions } = this.controlPlane;
    const at = targetOf(candidate);
    const ingresses = [...snapshot.ingresses.filter((o) => keyOf(targetOf(o)) !== keyOf(at)), candidate];
    const result = await compile({ ...snapshot, ingresses }, compileOptions);
    const problems = result.diagnostics.filter(
      (d: Diagnostic) => d.severity !== 'info' && OBJECT_CODES.has(d.code) && d.object?.kind === 'Ingress' && keyOf(targetOf({ metadata: d.object })) === keyOf(at),
    );
    if (problems.length === 0) return result;
    const errors: FieldError[] = problems.map((d) => ({ field: d.field ?? '(body)', message: d.message }));
    throw new ValidationProblem(
      `Ingress ${keyOf(at)} would not be served as written: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
      errors,
      HttpStatus.UNPROCESSABLE_ENTITY,
    );
  }

  merged(current: IngressObject, patch: Record<string, unknown>): unknown {
    return mergePatch(current, patch);
  }
}

function classOf(ingress: IngressObject): string | undefined {
  return ingress.spec?.ingressClassName ?? ingress.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
}

function hostsOf(ingress: IngressObject): string[] {
  const rules = Array.isArray(ingress.spec?.rules) ? ingress.spec.rules : [];
  const tls = Array.isArray(ingress.spec?.tls) ? ingress.spec.tls : [];
  return [...rules.map((r) => r?.host), ...tls.flatMap((t) => (Array.isArray(t?.hosts) ? t.hosts : []))]
    .filter((h): h is string => typeof h === 'string')
    .map((h) => h.toLowerCase());
}

const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The cursor is opaque to clients: the key of the last item returned, encoded. */
const encodeCursor = (key: string): string => Buffer.from(JSON.stringify({ after: key }), 'utf8').toString('base64url');

function decodeCursor(cursor: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded.after === 'string') return decoded.after;
  } catch {
    // fall through
  }
  throw new ValidationProblem('the continue token is not one this API issued', [{ field: 'query.continue', message: 'is not a valid continue token' }]);
}
