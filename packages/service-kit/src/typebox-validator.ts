import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';

/**
 * Route validation with TypeBox itself rather than Ajv, so a route schema means exactly
 * what its static type says. Strings in params, query and headers are converted (they
 * arrive as text); JSON bodies are not, so `"42"` is not silently accepted as a number.
 * Schema defaults are applied, matching the `Static` type a handler sees.
 */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const validator = Compile(schema);
  return (input) => {
    const converted = httpPart === 'body' ? input : Value.Convert(schema, input);
    const value = Value.Default(schema, converted);
    if (validator.Check(value)) return { value };
    return { error: validator.Errors(value) as FastifySchemaValidationError[] };
  };
};
