import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { eventTableFields, fieldsOf } from './bigquery-schema.ts';
import { TerraformGenError } from './errors.ts';

describe('BigQuery columns from JSON Schema', () => {
  it('maps scalars, formats, nullability and arrays', () => {
    const schema = Type.Object({
      at: Type.String({ format: 'date-time' }),
      day: Type.String({ format: 'date' }),
      count: Type.Integer(),
      score: Type.Union([Type.Number(), Type.Null()]),
      ok: Type.Boolean(),
      ids: Type.Array(Type.String()),
      kind: Type.Enum(['a', 'b']),
      currency: Type.Literal('usd'),
      maybe: Type.Optional(Type.String()),
    });
    expect(fieldsOf(schema)).toEqual([
      { name: 'at', type: 'TIMESTAMP', mode: 'REQUIRED' },
      { name: 'day', type: 'DATE', mode: 'REQUIRED' },
      { name: 'count', type: 'INT64', mode: 'REQUIRED' },
      { name: 'score', type: 'FLOAT64', mode: 'NULLABLE' },
      { name: 'ok', type: 'BOOL', mode: 'REQUIRED' },
      { name: 'ids', type: 'STRING', mode: 'REPEATED' },
      { name: 'kind', type: 'STRING', mode: 'REQUIRED' },
      { name: 'currency', type: 'STRING', mode: 'REQUIRED' },
      { name: 'maybe', type: 'STRING', mode: 'NULLABLE' },
    ]);
  });

  it('keeps nested objects as records and string-keyed maps and mixed unions as JSON', () => {
    const schema = Type.Object({
      price: Type.Union([Type.Object({ amount: Type.Integer() }), Type.Null()]),
      filters: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()])),
      data: Type.Unknown(),
    });
    expect(fieldsOf(schema)).toEqual([
      {
        name: 'price',
        type: 'RECORD',
        mode: 'NULLABLE',
        fields: [{ name: 'amount', type: 'INT64', mode: 'REQUIRED' }],
      },
      { name: 'filters', type: 'JSON', mode: 'REQUIRED' },
      { name: 'data', type: 'JSON', mode: 'NULLABLE' },
    ]);
  });

  it('refuses arrays of arrays, which BigQuery cannot store', () => {
    const schema = Type.Object({ grid: Type.Array(Type.Array(Type.Integer())) });
    expect(() => fieldsOf(schema)).toThrowError(TerraformGenError);
  });

  it('puts envelope metadata first and keeps one column per name', () => {
    const envelope = Type.Object({
      event_id: Type.String(),
      event_type: Type.String(),
      store_id: Type.Union([Type.String(), Type.Null()]),
      payload: Type.Record(Type.String(), Type.Unknown()),
    });
    const payload = Type.Object({ store_id: Type.String(), q: Type.String() });
    expect(eventTableFields(envelope, payload, 'x.done').map((f) => `${f.name}:${f.mode}`)).toEqual([
      'event_id:REQUIRED',
      'store_id:NULLABLE',
      'q:REQUIRED',
    ]);
  });
});
