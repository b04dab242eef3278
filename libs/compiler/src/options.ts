export interface CompileOptions {
  /** `IngressClass.spec.controller` values that are ours. */
  controllerName: string;
  /** Class names claimed even without an IngressClass object (e.g. `pipy` during a migration from FSM). */
  classNames: string[];
  /** Take Ingresses that name no class even when none of our classes is marked default. */
  watchIngressWithoutClass: boolean;
}

export const DEFAULT_CONTROLLER_NAME = 'portico.dev/ingress-controller';

export const defaultCompileOptions = (): CompileOptions => ({
  controllerName: DEFAULT_CONTROLLER_NAME,
  classNames: ['portico'],
  watchIngressWithoutClass: false,
});
