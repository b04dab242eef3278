/**
 * The subset of Kubernetes object shapes Portico reads. Inputs are untrusted (a file on disk or an API
 * server response), so every field is optional here and the compiler validates what it uses.
 */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export interface ServiceBackendPort {
  number?: number;
  name?: string;
}

export interface IngressBackend {
  service?: { name?: string; port?: ServiceBackendPort };
  resource?: { apiGroup?: string; kind?: string; name?: string };
}

export interface IngressObject extends KubeObject {
  spec?: {
    ingressClassName?: string;
    defaultBackend?: IngressBackend;
    tls?: Array<{ hosts?: string[]; secretName?: string }>;
    rules?: Array<{
      host?: string;
      http?: { paths?: Array<{ path?: string; pathType?: string; backend?: IngressBackend }> };
    }>;
  };
  status?: { loadBalancer?: { ingress?: Array<{ ip?: string; hostname?: string }> } };
}

export interface IngressClassObject extends KubeObject {
  spec?: { controller?: string; parameters?: unknown };
}

export interface ServicePort {
  name?: string;
  port?: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
}

export interface ServiceObject extends KubeObject {
  spec?: { type?: string; ports?: ServicePort[]; externalName?: string; clusterIP?: string };
}

export interface EndpointSliceObject extends KubeObject {
  addressType?: string;
  endpoints?: Array<{
    addresses?: string[];
    conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
    targetRef?: { kind?: string; name?: string; namespace?: string };
    nodeName?: string;
    zone?: string;
  }>;
  ports?: Array<{ name?: string; port?: number; protocol?: string; appProtocol?: string }>;
}

export interface SecretObject extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** Everything the compiler reads, grouped by kind. */
export interface ClusterSnapshot {
  ingressClasses: IngressClassObject[];
  ingresses: IngressObject[];
  services: ServiceObject[];
  endpointSlices: EndpointSliceObject[];
  secrets: SecretObject[];
  /** Only the controller's settings ConfigMap matters; others may be dropped by a source. */
  configMaps: ConfigMapObject[];
}

export const emptySnapshot = (): ClusterSnapshot => ({
  ingressClasses: [],
  ingresses: [],
  services: [],
  endpointSlices: [],
  secrets: [],
  configMaps: [],
});
