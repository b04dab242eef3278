import { Module, type DynamicModule } from '@nestjs/common';
import type { ControlPlane } from '../control-plane.js';
import { SettingsController } from './settings.controller.js';
import { SETTINGS_CONTROL_PLANE, SettingsService } from './settings.service.js';

@Module({})
export class SettingsModule {
  static forRoot(controlPlane: ControlPlane): DynamicModule {
    return {
      module: SettingsModule,
      controllers: [SettingsController],
      providers: [{ provide: SETTINGS_CONTROL_PLANE, useValue: controlPlane }, SettingsService],
    };
  }
}
