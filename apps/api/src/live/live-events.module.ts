import { Module, type DynamicModule } from '@nestjs/common';
import type { ControlPlane } from '../control-plane.js';
import { DiagnosticsService, DiagnosticsSettings } from '../diagnostics/diagnostics.service.js';
import { LiveEventsController } from './live-events.controller.js';
import { LIVE_SOURCE, LiveEventsService, LiveEventsSettings } from './live-events.service.js';

/** `GET /api/v1/events` and the diagnostics service it compares (shared with the diagnostics controller). */
@Module({})
export class LiveEventsModule {
  static forRoot(controlPlane: ControlPlane, options: { certExpiryWarningDays?: number; live?: LiveEventsSettings } = {}): DynamicModule {
    return {
      module: LiveEventsModule,
      controllers: [LiveEventsController],
      providers: [
        { provide: LIVE_SOURCE, useValue: controlPlane.source },
        { provide: LiveEventsSettings, useValue: options.live ?? new LiveEventsSettings() },
        { provide: DiagnosticsSettings, useValue: new DiagnosticsSettings(options.certExpiryWarningDays) },
        DiagnosticsService,
        LiveEventsService,
      ],
      exports: [DiagnosticsService, LiveEventsService],
    };
  }
}
