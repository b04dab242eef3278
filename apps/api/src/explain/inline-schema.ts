import { z } from 'zod';

/** A zod schema as an inline OpenAPI 3.0 schema, for request bodies that are not shared components. */
export const inlineSchema = (schema: z.ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> => {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io });
  return json;
};
