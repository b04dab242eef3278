import { Module, type DynamicModule } from '@nestjs/common';
import type { ControlPlane } from './control-plane.js';
import { CoreModule } from './core.module.js';
import { DeliveryModule } from './delivery/delivery.module.js';
import { DiagnosticsController } from './diagnostics/diagnostics.controller.js';
import { HealthController } from './health/health.controller.js';
import { RoutesController } from './routes/routes.controller.js';
import { SourceInfoController } from './source-info/source-info.controller.js';

@Module({})
export class AppModule {
  static forRoot(controlPlane: ControlPlane): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.forRoot(controlPlane), DeliveryModule],
      controllers: [HealthController, RoutesController, DiagnosticsController, SourceInfoController],
    };
  }
}
