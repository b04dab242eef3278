import { Injectable } from '@nestjs/common';
import type { Diagnostic } from '@portico/model';
import { ConfigPipeline } from '../pipeline/config-pipeline.js';
import { certificateDiagnostics, DEFAULT_CERT_EXPIRY_WARNING_DAYS } from './computed-diagnostics.js';

/** Tunables of the API-side diagnostics; an injectable value (a class, so import it as a value). */
export class DiagnosticsSettings {
  constructor(readonly certExpiryWarningDays: number = DEFAULT_CERT_EXPIRY_WARNING_DAYS) {}
}

/** The source's and compiler's diagnostics of the last compile, plus those the API derives from the table. */
@Injectable()
export class DiagnosticsService {
  constructor(
    private readonly pipeline: ConfigPipeline,
    private readonly settings: DiagnosticsSettings,
  ) {}

  all(now = Date.now()): Diagnostic[] {
    return [...this.pipeline.diagnostics(), ...certificateDiagnostics(this.pipeline.currentTable(), now, this.settings.certExpiryWarningDays)];
  }
}
