import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ApiOptions } from '@portico/api';
import { startKubeEmulator, type KubeEmulator, type KubeObject } from '@portico/testing';

/** Where the product reads its objects from: a manifests directory, or a (emulated) Kubernetes cluster. */
export const SOURCES = ['manifests', 'kubernetes'] as const;
export type SourceKind = (typeof SOURCES)[number];

/** Tests write "files" of YAML; each store turns them into what its source reads. */
export interface ObjectStore {
  apiOptions(): Partial<ApiOptions>;
  write(name: string, yaml: string): Promise<void>;
  remove(name: string): Promise<void>;
  close(): Promise<void>;
}

export class ManifestDirectory implements ObjectStore {
  private constructor(readonly dir: string) {}

  static async create(): Promise<ManifestDirectory> {
    return new ManifestDirectory(await mkdtemp(join(tmpdir(), 'portico-manifests-')));
  }

  apiOptions(): Partial<ApiOptions> {
    return { manifests: this.dir };
  }

  write(name: string, yaml: string): Promise<void> {
    return writeFile(join(this.dir, name), yaml);
  }

  remove(name: string): Promise<void> {
    return unlink(join(this.dir, name));
  }

  close(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * The same "files" applied to the Kubernetes API server emulator, as `kubectl apply -f FILE` would: objects a file no
 * longer holds are deleted, as `kubectl apply --prune` would.
 */
export class EmulatedCluster implements ObjectStore {
  private readonly files = new Map<string, KubeObject[]>();

  private constructor(readonly emulator: KubeEmulator) {}

  static async create(): Promise<EmulatedCluster> {
    return new EmulatedCluster(await startKubeEmulator());
  }

  apiOptions(): Partial<ApiOptions> {
    return { kubeconfig: this.emulator.kubeconfigPath };
  }

  async write(name: string, yaml: string): Promise<void> {
    const objects = parseAllDocuments(yaml)
      .map((doc) => doc.toJS() as KubeObject | null)
      .filter((o): o is KubeObject => !!o && typeof o === 'object');
    for (const obj of objects) {
      if (obj.metadata && !obj.metadata.namespace && obj.kind !== 'IngressClass') obj.metadata.namespace = 'default';
      this.emulator.upsert(obj);
    }
    const kept = new Set(objects.map(key));
    for (const old of this.files.get(name) ?? []) if (!kept.has(key(old))) this.delete(old);
    this.files.set(name, objects);
  }

  async remove(name: string): Promise<void> {
    for (const obj of this.files.get(name) ?? []) this.delete(obj);
    this.files.delete(name);
  }

  close(): Promise<void> {
    return this.emulator.close();
  }

  private delete(obj: KubeObject): void {
    this.emulator.remove(String(obj.apiVersion), String(obj.kind), obj.metadata?.namespace, String(obj.metadata?.name));
  }
}

const key = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
