import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FileStore } from '../src/sources/file-store/file-store.js';
import type { SourceChange } from '../src/sources/config-source.js';
import { useFileStore } from './file-store-fixture.js';
import { waitFor, yamlDoc } from './helpers.js';

describe('FileStore', () => {
  const fixture = useFileStore();
  const start = () => fixture.start();
  let dir = '';
  beforeEach(() => {
    dir = fixture.dir;
  });
  const names = (s: FileStore) => ({
    ingresses: s.snapshot().ingresses.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`),
    services: s.snapshot().services.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`),
  });

  it('loads multi-document files recursively, sorts by kind and defaults the namespace', async () => {
    await writeFile(
      path.join(dir, 'app.yaml'),
      [yamlDoc('Ingress', 'web'), yamlDoc('Service', 'web', '  namespace: shop\n'), yamlDoc('IngressClass', 'portico')].join('---\n'),
    );
    await mkdir(path.join(dir, 'nested', 'deeper'), { recursive: true });
    await writeFile(path.join(dir, 'nested', 'deeper', 'more.yml'), yamlDoc('Secret', 'tls') + '---\n' + yamlDoc('EndpointSlice', 'web-1'));
    await writeFile(path.join(dir, 'notes.txt'), 'kind: Service\nmetadata: {name: ignored}\n');

    const s = await start();
    expect(names(s)).toEqual({ ingresses: ['default/web'], services: ['shop/web'] });
    expect(s.snapshot().ingressClasses.map((o) => o.metadata)).toEqual([{ name: 'portico', resourceVersion: expect.stringMatching(/^[0-9a-f]{16}$/) }]); // cluster-scoped: no namespace; a content hash as its version
    expect(s.snapshot().secrets.map((o) => o.metadata?.name)).toEqual(['tls']);
    expect(s.snapshot().endpointSlices.map((o) => o.metadata?.namespace)).toEqual(['default']);
    expect(s.diagnostics()).toEqual([]);
    expect(s.locate({ kind: 'Service', namespace: 'shop', name: 'web' })).toEqual({ file: 'app.yaml', line: 6 });
    expect(s.locate({ kind: 'EndpointSlice', namespace: 'default', name: 'web-1' })).toEqual({ file: 'nested/deeper/more.yml', line: 6 });
    // the compiler may give a cluster-scoped reference a defaulted namespace
    expect(s.locate({ kind: 'IngressClass', namespace: 'default', name: 'portico' })?.file).toBe('app.yaml');
  });

  it('expands List kinds, including typed lists whose items carry no kind', async () => {
    const lists = [
      'kind: List',
      'items:',
      '  - kind: Service',
      '    metadata: {name: a}',
      '---',
      'kind: ServiceList',
      'apiVersion: v1',
      'items:',
      '  - metadata: {name: b}',
    ];
    await writeFile(path.join(dir, 'list.yaml'), lists.join('\n'));
    const s = await start();
    expect(names(s).services).toEqual(['default/a', 'default/b']);
    expect(s.locate({ kind: 'Service', namespace: 'default', name: 'b' })?.line).toBe(9);
  });

  it('reports malformed YAML with file and line and still loads the other documents and files', async () => {
    await writeFile(path.join(dir, 'a-good.yaml'), yamlDoc('Service', 'good'));
    await writeFile(path.join(dir, 'b-bad.yaml'), `${yamlDoc('Service', 'before')}---\nkind: Service\nmetadata:\n  name: [unclosed\n---\n${yamlDoc('Service', 'after')}`);
    const s = await start();
    expect(names(s).services).toEqual(['default/good', 'default/before', 'default/after']);
    const [problem] = s.diagnostics();
    expect(s.diagnostics()).toHaveLength(1);
    expect(problem).toMatchObject({ severity: 'error', code: 'ManifestParseError', file: 'b-bad.yaml' });
    expect(problem.line).toBeGreaterThanOrEqual(7);
    expect(problem.line).toBeLessThanOrEqual(9);
    expect(problem.message).toMatch(/invalid YAML/);
  });

  it('reports an object without a name, naming the field metadata.name', async () => {
    await writeFile(path.join(dir, 'x.yaml'), `${yamlDoc('Service', 'ok')}---\nkind: Ingress\nmetadata:\n  namespace: shop\n---\nmetadata: {name: kindless}\n`);
    const s = await start();
    expect(names(s).services).toEqual(['default/ok']);
    expect(s.diagnostics()).toEqual([
      expect.objectContaining({ severity: 'error', field: 'metadata.name', file: 'x.yaml', line: 6, message: expect.stringMatching(/Ingress has no metadata.name/) }),
      expect.objectContaining({ severity: 'error', field: 'kind', file: 'x.yaml', line: 10 }),
    ]);
  });

  it('keeps the duplicate from the file that sorts first and reports the other one', async () => {
    await writeFile(path.join(dir, 'b.yaml'), yamlDoc('Service', 'web', 'spec: {type: NodePort}\n'));
    await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'web', 'spec: {type: ClusterIP}\n'));
    const s = await start();
    expect(s.snapshot().services.map((o) => o.spec?.type)).toEqual(['ClusterIP']);
    expect(s.diagnostics()).toEqual([
      expect.objectContaining({
        severity: 'error',
        code: 'DuplicateObject',
        file: 'b.yaml',
        line: 1,
        object: { kind: 'Service', namespace: 'default', name: 'web' },
        message: expect.stringContaining('a.yaml:1'),
      }),
    ]);
  });

  it('ignores unknown kinds with an info diagnostic', async () => {
    await writeFile(path.join(dir, 'deploy.yaml'), yamlDoc('Deployment', 'web'));
    const s = await start();
    expect(s.diagnostics()).toEqual([expect.objectContaining({ severity: 'info', code: 'IgnoredKind', file: 'deploy.yaml' })]);
  });

  it('survives junk: binary bytes, a scalar document, an empty file, a list document', async () => {
    await writeFile(path.join(dir, 'binary.yaml'), Buffer.from([0x00, 0xff, 0x13, 0x37, 0x00, 0x42]));
    await writeFile(path.join(dir, 'scalar.yaml'), 'just a string\n');
    await writeFile(path.join(dir, 'empty.yaml'), '');
    await writeFile(path.join(dir, 'seq.yaml'), '- a\n- b\n');
    await writeFile(path.join(dir, 'valid.yaml'), yamlDoc('Service', 'still-here'));
    const s = await start();
    expect(names(s).services).toEqual(['default/still-here']);
    expect(s.diagnostics().map((d) => [d.file, d.severity])).toEqual([
      ['binary.yaml', 'error'],
      ['scalar.yaml', 'error'],
      ['seq.yaml', 'error'],
    ]);
  });

  describe('watching', () => {
    const nextChange = (s: FileStore): Promise<SourceChange> =>
      new Promise((resolve) => {
        const off = s.onChange((change) => {
          off();
          resolve(change);
        });
      });

    it('picks up an edit, a new file and a deletion, stamping when the change was detected', async () => {
      await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'one'));
      const s = await start();

      const edited = nextChange(s);
      const before = performance.now();
      await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'renamed'));
      const change = await edited;
      expect(change.detectedAt).toBeGreaterThanOrEqual(before);
      expect(change.detectedAt).toBeLessThanOrEqual(performance.now());
      expect(names(s).services).toEqual(['default/renamed']);

      await mkdir(path.join(dir, 'sub'));
      await writeFile(path.join(dir, 'sub', 'b.yaml'), yamlDoc('Ingress', 'new'));
      await waitFor(() => names(s).ingresses.includes('default/new'), 'the new file to load');

      await rm(path.join(dir, 'a.yaml'));
      await waitFor(() => names(s).services.length === 0, 'the deleted file to drop out');
    });

    it('handles an editor-style atomic save (write a temp file, rename over the original)', async () => {
      await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'v1'));
      const s = await start();
      await writeFile(path.join(dir, '.a.yaml.tmp'), yamlDoc('Service', 'v2'));
      await rename(path.join(dir, '.a.yaml.tmp'), path.join(dir, 'a.yaml'));
      await waitFor(() => names(s).services[0] === 'default/v2', 'the renamed file to load');
    });

    it('reports a broken edit and recovers when it is fixed', async () => {
      await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'web'));
      const s = await start();
      await writeFile(path.join(dir, 'a.yaml'), 'kind: Service\nmetadata: {name: [\n');
      await waitFor(() => s.diagnostics().some((d) => d.code === 'ManifestParseError'), 'the parse error');
      await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'fixed'));
      await waitFor(() => s.diagnostics().length === 0 && names(s).services[0] === 'default/fixed', 'the fix');
    });

    it('keeps the last objects when the directory vanishes, and reloads when it comes back', async () => {
      await writeFile(path.join(dir, 'a.yaml'), yamlDoc('Service', 'kept'));
      const s = await start();
      await rm(dir, { recursive: true });
      await waitFor(() => s.diagnostics().some((d) => d.code === 'ManifestsDirectoryUnreadable'), 'the missing directory diagnostic');
      expect(names(s).services).toEqual(['default/kept']);

      await mkdir(dir);
      await writeFile(path.join(dir, 'b.yaml'), yamlDoc('Service', 'back'));
      await waitFor(() => names(s).services[0] === 'default/back' && s.diagnostics().length === 0, 'the directory to be watched again');
      await writeFile(path.join(dir, 'b.yaml'), yamlDoc('Service', 'edited-after-return'));
      await waitFor(() => names(s).services[0] === 'default/edited-after-return', 'edits in the recreated directory');
    });

    it('coalesces a burst of writes into few change events', async () => {
      const s = await start();
      let changes = 0;
      s.onChange(() => changes++);
      for (let i = 0; i < 20; i++) await writeFile(path.join(dir, `f${i}.yaml`), yamlDoc('Service', `s${i}`));
      await waitFor(() => s.snapshot().services.length === 20, 'all files');
      await s.settled();
      expect(changes).toBeGreaterThanOrEqual(1);
      expect(changes).toBeLessThan(20);
    });
  });
});
