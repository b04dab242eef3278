import { z } from 'zod';

/** An inline OpenAPI 3.0 schema for a decorator, from a zod schema (for modules whose schemas are their own). */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io }) as Record<string, unknown>;
  return json;
}
