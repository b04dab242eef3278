import type { components } from '../../api/schema.gen.js';

export type IngressView = components['schemas']['IngressView'];
export type WriteResult = components['schemas']['IngressWriteResult'];
export type DryRun = Extract<WriteResult, { dryRun: true }>;
export type CompiledRoute = IngressView['routes'][number];
export type Diagnostic = components['schemas']['Diagnostic'];
export type AnnotationSpec = components['schemas']['AnnotationCatalog']['annotations'][number];

export const ingressPath = (namespace: string, name: string) => `/ingresses/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
export const isDryRun = (result: WriteResult): result is DryRun => 'dryRun' in result && result.dryRun === true;
