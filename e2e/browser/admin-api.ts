import { request as httpRequest } from 'node:http';
import { STACK, stackToken } from './support/stack.js';

/**
 * The admin API and the proxy as the browser specs' setup, clean-up and checks use them: specs make and remove their
 * own objects through the API (other specs share the stack), and check traffic with a real HTTP client.
 */
export async function adminApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${STACK.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${stackToken('admin')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** Deletes an object the spec made, whether or not the test got as far as deleting it itself. */
export async function removeIfPresent(path: string): Promise<void> {
  const { status } = await adminApi('DELETE', path);
  if (status !== 200 && status !== 404) throw new Error(`clean-up DELETE ${path} answered ${status}`);
}

/** One plain-HTTP request through the proxy with the given Host header (the status and body it answers). */
export function throughProxy(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: STACK.httpPort, path, headers: { host } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** A minimal Ingress routing `host` / to the demo Service, made through the API. */
export const demoIngress = (name: string, host: string, service = 'demo') => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'default' },
  spec: { ingressClassName: 'portico', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: 80 } } } }] } }] },
});
