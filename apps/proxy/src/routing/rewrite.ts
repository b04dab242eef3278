import type { Rewrite } from '@portico/model';

export interface CompiledRewrite {
  readonly pattern: RegExp;
  readonly replacement: string;
}

/** Compiled once per applied table; throws on an invalid regex so the table is rejected as a whole. */
export function compileRewrite(rewrite: Rewrite): CompiledRewrite {
  // Not global: only the first match is replaced (FSM's rewrite-target semantics).
  return { pattern: new RegExp(rewrite.from), replacement: rewrite.to };
}

export function applyRewrite(rewrite: CompiledRewrite, path: string): string {
  const out = path.replace(rewrite.pattern, rewrite.replacement);
  return out.startsWith('/') ? out : '/' + out;
}
