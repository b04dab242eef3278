import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';
import { API_SCHEMAS } from './api-schemas.js';

export const SWAGGER_UI_PATH = 'api/docs';
export const OPENAPI_JSON_PATH = 'api/openapi.json';
export const ADMIN_AUTH = 'admin-token';
export const PROXY_AUTH = 'proxy-token';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Portico admin API')
    .setDescription('Routing tables, diagnostics and proxies of a Portico ingress controller.')
    .setVersion('0.1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: '--admin-token' }, ADMIN_AUTH)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: '--proxy-token' }, PROXY_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...zodComponents() } };
  return document;
}

export function setUpSwagger(app: INestApplication): void {
  SwaggerModule.setup(SWAGGER_UI_PATH, app, buildOpenApiDocument(app), { jsonDocumentUrl: OPENAPI_JSON_PATH });
}

/** Request bodies are described as accepted input (unknown fields are stripped, not refused). */
const REQUEST_SCHEMAS: ReadonlySet<string> = new Set(['ProxyAck', 'SettingsPatch', 'ProxyTrafficReport']);

function zodComponents(): Record<string, object> {
  return Object.fromEntries(
    Object.entries(API_SCHEMAS).map(([name, schema]) => {
      const io = REQUEST_SCHEMAS.has(name) ? 'input' : 'output';
      const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io });
      return [name, jsonSchema];
    }),
  );
}
