import { Module, type DynamicModule } from '@nestjs/common';
import { AuditController } from '../audit/audit.controller.js';
import type { ControlPlane } from '../control-plane.js';
import { IngressesController } from './ingresses.controller.js';
import { IngressesService } from './ingresses.service.js';

/** `/api/v1/ingresses` and `/api/v1/audit`; the AuditLog itself is global (CoreModule) for other modules' writes. */
@Module({})
export class IngressesModule {
  static forRoot(controlPlane: ControlPlane): DynamicModule {
    return {
      module: IngressesModule,
      providers: [{ provide: IngressesService, useValue: new IngressesService(controlPlane) }],
      controllers: [IngressesController, AuditController],
    };
  }
}
