const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** `name` or `namespace/name` (an annotation's Secret reference), resolved against a default namespace. */
export function parseObjectRef(value: string, defaultNamespace: string): { namespace: string; name: string } | undefined {
  const parts = value.trim().split('/');
  if (parts.length > 2) return undefined;
  const [namespace, name] = parts.length === 2 ? parts : [defaultNamespace, parts[0]];
  if (!DNS_LABEL.test(namespace) || !DNS_NAME.test(name)) return undefined;
  return { namespace, name };
}

/** A DNS host name (no wildcard), as SNI and certificate names use. */
export const isDnsName = (value: string): boolean => DNS_NAME.test(value);

/** An allow-list entry: a DNS name or `*.` followed by one. */
export const isNamePattern = (value: string): boolean => isDnsName(value.replace(/^\*\./, ''));
