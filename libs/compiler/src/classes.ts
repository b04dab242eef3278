import type { IngressClassObject, IngressObject } from '@portico/model';
import type { CompileOptions } from './options.js';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** Decides which Ingresses are ours: by class name, the legacy annotation, or the default class. */
export class ClassSelector {
  private readonly ours: Set<string>;
  private readonly takeClassless: boolean;

  constructor(classes: IngressClassObject[], options: CompileOptions) {
    this.ours = new Set(options.classNames);
    let oursIsDefault = false;
    for (const cls of classes) {
      if (cls.spec?.controller !== options.controllerName || !cls.metadata?.name) continue;
      this.ours.add(cls.metadata.name);
      if (cls.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true') oursIsDefault = true;
    }
    this.takeClassless = oursIsDefault || options.watchIngressWithoutClass;
  }

  owns(ingress: IngressObject): boolean {
    const spec = ingress.spec && typeof ingress.spec === 'object' ? ingress.spec : undefined;
    const name = spec?.ingressClassName ?? ingress.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION];
    if (typeof name === 'string' && name.length > 0) return this.ours.has(name);
    return this.takeClassless;
  }
}
