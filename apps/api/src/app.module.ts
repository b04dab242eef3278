import { Module, type DynamicModule } from '@nestjs/common';
import type { ControlPlane } from './control-plane.js';
import { CoreModule } from './core.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { DiagnosticsController } from './diagnostics/diagnostics.controller.js';
import { HealthController } from './health/health.controller.js';
import { IngressesModule } from './ingresses/ingresses.module.js';
import { TlsAdminModule } from './hosts/tls-admin.module.js';
import { LiveEventsModule } from './live/live-events.module.js';
import { SettingsModule } from './settings/settings.module.js';
import { TrafficModule } from './traffic/traffic.module.js';
import { RoutesController } from './routes/routes.controller.js';
import { SourceInfoController } from './source-info/source-info.controller.js';
import { SessionController } from './auth/session.controller.js';

@Module({})
export class AppModule {
  static forRoot(controlPlane: ControlPlane): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(controlPlane),
        DeliveryModule,
        TlsAdminModule.forRoot(controlPlane),
        LiveEventsModule.forRoot(controlPlane, controlPlane.certExpiryWarningDays === undefined ? {} : { certExpiryWarningDays: controlPlane.certExpiryWarningDays }),
        SettingsModule.forRoot(controlPlane),
        TrafficModule,
        IngressesModule.forRoot(controlPlane),
      ],
      controllers: [HealthController, RoutesController, DiagnosticsController, SourceInfoController, SessionController],
    };
  }
}
