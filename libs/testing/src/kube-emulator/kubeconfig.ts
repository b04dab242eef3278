import { writeFileSync } from 'node:fs';

/** A kubeconfig (YAML) for client-node and kubectl: http server with insecure-skip-tls-verify, bearer token, namespace 'default'. */
export function kubeconfigYaml(server: string, token: string): string {
  const q = (s: string) => JSON.stringify(s);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: kube-emulator',
    '  cluster:',
    `    server: ${q(server)}`,
    '    insecure-skip-tls-verify: true',
    'users:',
    '- name: kube-emulator',
    '  user:',
    `    token: ${q(token)}`,
    'contexts:',
    '- name: kube-emulator',
    '  context:',
    '    cluster: kube-emulator',
    '    user: kube-emulator',
    '    namespace: default',
    'current-context: kube-emulator',
    'preferences: {}',
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, server: string, token: string): void {
  writeFileSync(path, kubeconfigYaml(server, token), { mode: 0o600 });
}
