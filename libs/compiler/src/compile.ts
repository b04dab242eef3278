import type { ClusterSnapshot, CompiledConfig, Diagnostic } from '@portico/model';
import { emptyConfig } from '@portico/model';
import { defaultCompileOptions, type CompileOptions } from './options.js';

export interface CompileResult {
  config: CompiledConfig;
  diagnostics: Diagnostic[];
}

export function compile(snapshot: ClusterSnapshot, options: Partial<CompileOptions> = {}): CompileResult {
  void snapshot;
  void { ...defaultCompileOptions(), ...options };
  return { config: emptyConfig(), diagnostics: [] };
}
