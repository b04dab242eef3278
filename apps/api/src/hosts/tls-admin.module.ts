import { Module, type DynamicModule } from '@nestjs/common';
import type { ControlPlane } from '../control-plane.js';
import { ExplainController } from '../explain/explain.controller.js';
import { HostsController } from './hosts.controller.js';
import { CertificatesController } from '../certificates/certificates.controller.js';
import { CertificateWrites } from '../certificates/certificate-writes.js';
import { PassthroughToggleService } from './passthrough-toggle.js';
import { WritableSourceAccess } from './writable-source-access.js';
import { DiagnosticsSettings } from '../diagnostics/diagnostics.service.js';

/** The explainer, hosts (with the passthrough toggle) and the certificate cockpit. */
@Module({})
export class TlsAdminModule {
  static forRoot(controlPlane: ControlPlane): DynamicModule {
    return {
      module: TlsAdminModule,
      providers: [
        { provide: WritableSourceAccess, useValue: new WritableSourceAccess(controlPlane) },
        // The certificate list says which threshold the expiry diagnostics use, so clients colour by the same one.
        { provide: DiagnosticsSettings, useValue: new DiagnosticsSettings(controlPlane.certExpiryWarningDays) },
        CertificateWrites,
        PassthroughToggleService,
      ],
      controllers: [ExplainController, HostsController, CertificatesController],
    };
  }
}
