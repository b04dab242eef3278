import { Module } from '@nestjs/common';
import { TrafficController, TrafficReportController } from './traffic.controller.js';
import { TrafficStore } from './traffic-store.js';

@Module({ controllers: [TrafficController, TrafficReportController], providers: [{ provide: TrafficStore, useFactory: () => new TrafficStore() }] })
export class TrafficModule {}
