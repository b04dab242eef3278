import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { stringify } from 'yaml';
import { certificateAuthority, collect, GreeterClient, startGreeter, tlsSecret, unary } from '@portico/testing';
import { ingress, ingressClass, serviceWithPods } from '../support/manifests.js';
import { SOURCES, Stack } from '../support/stack.js';

describe.each(SOURCES)('with the %s source', (source) => {
  let stack: Stack;
  let greeter: { port: number; close(): Promise<void> };
  let client: GreeterClient;

  /** gRPC through the whole stack: `upstream-protocol: GRPC` in a manifest, an HTTP/2 client on the TLS port. */
  beforeAll(async () => {
    const ca = await certificateAuthority();
    stack = await Stack.start({ 'class.yaml': ingressClass() }, {}, { source });
    greeter = await startGreeter();
    await stack.write('secret.yaml', stringify(tlsSecret('grpc-tls', await ca.issue(['grpc.example.com']))));
    await stack.write(
      'grpc.yaml',
      [
        serviceWithPods('greeter', [{ pod: 'greeter-1', port: greeter.port }]),
        ingress('grpc', [{ host: 'grpc.example.com', paths: [{ path: '/', service: 'greeter' }] }], {
          annotations: { 'pipy.ingress.kubernetes.io/upstream-protocol': 'GRPC' },
          tls: [{ hosts: ['grpc.example.com'], secretName: 'grpc-tls' }],
        }),
      ].join('---\n'),
    );
    client = new GreeterClient(`127.0.0.1:${stack.proxy.httpsPort}`, grpc.credentials.createSsl(Buffer.from(ca.certPem)), {
      'grpc.ssl_target_name_override': 'grpc.example.com',
      'grpc.default_authority': 'grpc.example.com',
    });
  });

  afterAll(async () => {
    client?.close();
    await greeter?.close();
    await stack?.stop();
  });

  describe('gRPC (upstream-protocol: GRPC)', () => {
    it('a unary call', async () => {
      expect(await unary(client, 'sayHello', { name: 'portico' })).toMatchObject({ message: 'hello portico', forwardedProto: 'https' });
    });
    it('a server-streaming call', async () => {
      expect(await collect(client, { to: 4 })).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    });
    it('an error status reaches the client with its code and message', async () => {
      await expect(unary(client, 'find', { name: 'unicorn' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no such thing: unicorn' });
    });
  });
});
