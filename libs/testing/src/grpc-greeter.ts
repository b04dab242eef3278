import * as grpc from '@grpc/grpc-js';

/** Messages are JSON: no .proto files, no code generation. */
const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): any => JSON.parse(bytes.toString());
const method = (name: string, responseStream: boolean) => ({
  path: `/portico.test.Greeter/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});

/**
 * A test service: `SayHello` (unary, echoes the name and a few request headers), `CountTo` (server streaming, one
 * message per number) and `Find` (unary, always NOT_FOUND with a message naming what was asked for).
 */
export const greeterService = {
  sayHello: method('SayHello', false),
  countTo: method('CountTo', true),
  find: method('Find', false),
} satisfies grpc.ServiceDefinition;

export const GreeterClient = grpc.makeGenericClientConstructor(greeterService, 'Greeter');
export type GreeterClient = InstanceType<typeof GreeterClient>;

const greeterImplementation: grpc.UntypedServiceImplementation = {
  sayHello(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
    const header = (name: string) => call.metadata.get(name)[0]?.toString() ?? null;
    callback(null, {
      message: `hello ${call.request.name}`,
      requestId: header('x-request-id'),
      forwardedProto: header('x-forwarded-proto'),
      authority: header(':authority') ?? call.getHost(),
    });
  },
  countTo(call: grpc.ServerWritableStream<any, any>) {
    for (let n = 1; n <= call.request.to; n++) call.write({ n });
    call.end();
  },
  find(call: grpc.ServerUnaryCall<any, any>, callback: grpc.sendUnaryData<any>) {
    callback({ code: grpc.status.NOT_FOUND, details: `no such thing: ${call.request.name}` });
  },
};

/** A grpc-js server on 127.0.0.1 (h2c by default; pass ServerCredentials.createSsl for h2 over TLS). */
export async function startGreeter(credentials = grpc.ServerCredentials.createInsecure()): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(greeterService, greeterImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return { port, close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())).then(() => server.forceShutdown()) };
}

/** Promisified unary call. */
export function unary(client: GreeterClient, name: 'sayHello' | 'find', request: unknown, metadata = new grpc.Metadata()): Promise<any> {
  return new Promise((resolve, reject) => {
    (client as any)[name](request, metadata, { deadline: Date.now() + 5_000 }, (err: grpc.ServiceError | null, reply: unknown) => (err ? reject(err) : resolve(reply)));
  });
}

/** Collects a server-streaming call's messages. */
export function collect(client: GreeterClient, request: unknown): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const call = (client as any).countTo(request, { deadline: Date.now() + 5_000 }) as grpc.ClientReadableStream<any>;
    const messages: any[] = [];
    call.on('data', (m) => messages.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(messages));
  });
}

