import * as k8s from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeEmulator, type KubeEmulator } from '../index.js';

const KUBECTL = '/usr/bin/kubectl';

const MANIFESTS = `
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: portico
spec:
  controller: portico.dev/ingress-controller
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: default
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels:
    kubernetes.io/service-name: web
addressType: IPv4
ports:
- name: http
  port: 8080
  protocol: TCP
endpoints:
- addresses: ["10.1.0.5"]
  conditions:
    ready: true
---
apiVersion: v1
kind: Secret
metadata:
  name: web-tls
  namespace: default
type: kubernetes.io/tls
stringData:
  tls.crt: CERT
  tls.key: KEY
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: default
  labels:
    app: web
  annotations:
    portico.dev/rewrite-target: /
spec:
  ingressClassName: portico
  tls:
  - hosts: [web.example.com]
    secretName: web-tls
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`;

/** The same manifests after an edit: the Ingress changes annotation and backend port, the Service gains a port. */
const EDITED = MANIFESTS.replace('portico.dev/rewrite-target: /', 'portico.dev/ssl-redirect: "false"')
  .replace(/number: 80\n/, 'number: 8443\n')
  .replace('    targetPort: 8080\n', '    targetPort: 8080\n  - name: https\n    port: 443\n    targetPort: 8443\n');

describe('kube emulator with the real kubectl', () => {
  let emu: KubeEmulator;
  let dir: string;

  function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(KUBECTL, ['--kubeconfig', emu.kubeconfigPath, '--cache-dir', join(dir, 'cache'), '--request-timeout', '10s', ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  async function ok(...args: string[]): Promise<string> {
    const result = await kubectl(...args);
    expect(result.stderr, `kubectl ${args.join(' ')}`).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  }

  beforeAll(async () => {
    emu = await startKubeEmulator();
    dir = mkdtempSync(join(tmpdir(), 'kube-emulator-kubectl-'));
    writeFileSync(join(dir, 'manifests.yaml'), MANIFESTS);
    writeFileSync(join(dir, 'edited.yaml'), EDITED);
  });

  afterAll(async () => {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl version reaches the server with the token (kubeconfig over TLS on the same port)', async () => {
    const out = JSON.parse(await ok('version', '-o', 'json'));
    expect(out.serverVersion).toMatchObject({ major: '1', minor: '32' });
    expect(emu.requests().some((r) => r.path === '/version' && r.userAgent?.startsWith('kubectl/'))).toBe(true);
  });

  it('apply -f creates an IngressClass, a Service, an EndpointSlice, a Secret and an Ingress (watched by an informer)', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(emu.kubeconfigPath);
    const net = kc.makeApiClient(k8s.NetworkingV1Api);
    const informer = k8s.makeInformer(kc, '/apis/networking.k8s.io/v1/ingresses', () => net.listIngressForAllNamespaces());
    const events: string[] = [];
    informer.on('add', (o) => events.push(`add ${o.metadata?.name}`));
    informer.on('update', (o) => events.push(`update ${o.spec?.rules?.[0]?.http?.paths[0]?.backend.service?.port?.number}`));
    await informer.start();
    try {
      const out = await ok('apply', '--validate=false', '-f', join(dir, 'manifests.yaml'));
      expect(out.trim().split('\n')).toEqual([
        'ingressclass.networking.k8s.io/portico created',
        'service/web created',
        'endpointslice.discovery.k8s.io/web-abc created',
        'secret/web-tls created',
        'ingress.networking.k8s.io/web created',
      ]);
      const secret = emu.get('v1', 'Secret', 'default', 'web-tls')!;
      expect(secret.data).toEqual({ 'tls.crt': Buffer.from('CERT').toString('base64'), 'tls.key': Buffer.from('KEY').toString('base64') });
      expect(secret.stringData).toBeUndefined();
      expect(emu.get('discovery.k8s.io/v1', 'EndpointSlice', 'default', 'web-abc')?.endpoints[0].addresses).toEqual(['10.1.0.5']);
      expect(emu.get('networking.k8s.io/v1', 'IngressClass', undefined, 'portico')?.spec.controller).toBe('portico.dev/ingress-controller');
      const ing = emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'web')!;
      expect(ing.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('"portico.dev/rewrite-target":"/"');
      await expect.poll(() => events).toContain('add web');

      // Apply the edited file: kubectl computes strategic merge patches and PATCHes (no failure, no re-create).
      const again = await ok('apply', '--validate=false', '-f', join(dir, 'edited.yaml'));
      expect(again).toContain('ingress.networking.k8s.io/web configured');
      expect(again).toContain('service/web configured');
      expect(again).toContain('ingressclass.networking.k8s.io/portico unchanged');
      expect(again).toContain('endpointslice.discovery.k8s.io/web-abc unchanged');
      const patched = emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'web')!;
      expect(patched.metadata.uid).toBe(ing.metadata.uid);
      expect(patched.metadata.generation).toBe(2);
      expect(patched.spec.rules[0].http.paths[0].backend.service.port.number).toBe(8443);
      expect(patched.metadata.annotations?.['portico.dev/ssl-redirect']).toBe('false');
      expect(patched.metadata.annotations?.['portico.dev/rewrite-target']).toBeUndefined();
      expect(emu.requests().some((r) => r.method === 'PATCH' && r.path === '/apis/networking.k8s.io/v1/namespaces/default/ingresses/web')).toBe(true);
      const service = emu.get('v1', 'Service', 'default', 'web')!;
      expect(service.spec.ports.map((p: { name: string; port: number }) => `${p.name}:${p.port}`)).toEqual(['http:80', 'https:443']);
      expect(service.spec.clusterIP).toMatch(/^10\.96\./);
      await expect.poll(() => events).toContain('update 8443');
      // A third apply of the same file changes nothing on the Ingress.
      expect(await ok('apply', '--validate=false', '-f', join(dir, 'edited.yaml'))).toContain('ingress.networking.k8s.io/web unchanged');
    } finally {
      await informer.stop();
    }
  });

  it('get ingress NAME -o json', async () => {
    const ing = JSON.parse(await ok('get', 'ingress', 'web', '-o', 'json'));
    expect(ing).toMatchObject({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'default' }, spec: { ingressClassName: 'portico' } });
    const missing = await kubectl('get', 'ingress', 'nope', '-o', 'json');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('Error from server (NotFound): ingresses.networking.k8s.io "nope" not found');
  });

  it('get ing / get svc / get ingressclass: table output via short names', async () => {
    emu.update({ ...emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'web')!, status: { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } } });
    const table = (await ok('get', 'ing')).trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(table[0]).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(table[1].slice(0, 5)).toEqual(['web', 'portico', 'web.example.com', '192.0.2.10', '80, 443']);
    expect(await ok('get', 'svc', 'web')).toMatch(/web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP,443\/TCP/);
    expect(await ok('get', 'ingressclass')).toMatch(/portico\s+portico\.dev\/ingress-controller/);
    expect(await ok('get', 'ing', '-A', '-l', 'app=web', '-o', 'name')).toBe('ingress.networking.k8s.io/web\n');
    expect(await kubectl('get', 'ing', '-l', 'app=other')).toMatchObject({ code: 0, stdout: '', stderr: 'No resources found in default namespace.\n' });
  });

  it('delete -f removes everything', async () => {
    const out = await ok('delete', '-f', join(dir, 'edited.yaml'));
    expect(out.trim().split('\n')).toEqual([
      'ingressclass.networking.k8s.io "portico" deleted',
      'service "web" deleted',
      'endpointslice.discovery.k8s.io "web-abc" deleted',
      'secret "web-tls" deleted',
      'ingress.networking.k8s.io "web" deleted',
    ]);
    expect(emu.list('networking.k8s.io/v1', 'Ingress')).toEqual([]);
    expect(emu.list('v1', 'Service')).toEqual([]);
    expect(emu.list('networking.k8s.io/v1', 'IngressClass')).toEqual([]);
    expect((await kubectl('get', 'ing')).stderr).toContain('No resources found in default namespace.');
  });

  it('kubectl patch (merge, json), label, annotate and server-side apply', async () => {
    await ok('apply', '--validate=false', '-f', join(dir, 'manifests.yaml'));
    await ok('patch', 'ing', 'web', '--type=merge', '-p', '{"spec":{"ingressClassName":"other"}}');
    await ok('patch', 'ing', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/rules/0/host","value":"www.example.com"}]');
    await ok('label', 'ing', 'web', 'tier=edge');
    await ok('annotate', 'ing', 'web', 'note=hi');
    const ing = emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'web')!;
    expect(ing.spec.ingressClassName).toBe('other');
    expect(ing.spec.rules[0].host).toBe('www.example.com');
    expect(ing.metadata.labels).toEqual({ app: 'web', tier: 'edge' });
    expect(ing.metadata.annotations?.note).toBe('hi');
    expect(await ok('apply', '--server-side', '--force-conflicts', '--validate=false', '-f', join(dir, 'edited.yaml'))).toContain('ingress.networking.k8s.io/web serverside-applied');
    expect(emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'web')!.spec.rules[0].http.paths[0].backend.service.port.number).toBe(8443);
    await ok('delete', '-f', join(dir, 'edited.yaml'));
  });

  it('typed create commands (sent as protobuf) store what kubectl --dry-run=client prints', async () => {
    const serverFields = (o: any) => {
      const { uid: _u, resourceVersion: _r, creationTimestamp: _c, generation: _g, namespace: _n, ...metadata } = o.metadata;
      if (metadata.labels) delete metadata.labels['kubernetes.io/metadata.name'];
      if (metadata.labels && Object.keys(metadata.labels).length === 0) delete metadata.labels;
      const { status: _s, ...rest } = o;
      if (rest.spec) for (const k of ['clusterIP', 'clusterIPs', 'sessionAffinity', 'finalizers']) delete rest.spec[k];
      if (rest.spec && Object.keys(rest.spec).length === 0) delete rest.spec;
      if (rest.kind === 'Secret' && rest.type === 'Opaque') delete rest.type; // a server default
      return { ...rest, metadata };
    };
    const commands = [
      ['namespace', 'apps'],
      ['secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cr3t', '-n', 'apps'],
      ['configmap', 'settings', '--from-literal=a=1', '--from-literal=b=2'],
      ['ingress', 'demo', '--class=portico', '--rule=a.example.com/api*=svc:8080,tls=sec', '--rule=/=svc:http', '--default-backend=def:80', '--annotation=x=y'],
      ['service', 'clusterip', 'api', '--tcp=80:8080', '--tcp=443:https'],
    ];
    for (const args of commands) {
      const wanted = JSON.parse(await ok('create', ...args, '--dry-run=client', '-o', 'json'));
      const created = JSON.parse(await ok('create', ...args, '-o', 'json'));
      expect(created.metadata.uid, args.join(' ')).toBeTruthy();
      expect(serverFields(created), args.join(' ')).toEqual(serverFields(wanted));
    }
    expect(emu.get('v1', 'Secret', 'apps', 'creds')?.data).toEqual({ user: Buffer.from('admin').toString('base64'), pass: Buffer.from('s3cr3t').toString('base64') });
    expect(emu.get('networking.k8s.io/v1', 'Ingress', 'default', 'demo')?.spec.rules[1].http.paths[0].backend.service.port).toEqual({ name: 'http' });
    await ok('delete', 'ns', 'apps');
    expect(emu.get('v1', 'Secret', 'apps', 'creds')).toBeUndefined();
  });
});
