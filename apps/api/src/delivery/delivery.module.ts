import { Module } from '@nestjs/common';
import { ConfigDeliveryController } from './config-delivery.controller.js';
import { ConfigDelivery } from './config-delivery.service.js';
import { ProxiesController } from './proxies.controller.js';

@Module({ controllers: [ConfigDeliveryController, ProxiesController], providers: [ConfigDelivery] })
export class DeliveryModule {}
