import { type Static, Type } from 'typebox';

/**
 * What the vision model reads off a product photo. Sent to OpenAI as the strict JSON
 * schema of the answer, and checked again on the way back.
 */
export const OpenAiStyleDna = Type.Object(
  {
    colors: Type.Array(Type.String(), {
      description: 'colour names of the product itself, dominant first, e.g. "navy", "off-white"',
    }),
    patterns: Type.Array(Type.String(), {
      description: 'visible patterns or textures, e.g. "solid", "striped", "floral", "cable knit"',
    }),
    category: Type.String({ description: 'the product type as a short noun phrase, e.g. "midi dress"' }),
    occasion: Type.String({
      description: 'the occasion it suits best, e.g. "casual", "office", "wedding guest"',
    }),
  },
  { additionalProperties: false },
);

export type OpenAiStyleDna = Static<typeof OpenAiStyleDna>;

function tidyList(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase()).filter((v) => v.length > 0))];
}

/** Lower-cased, trimmed, de-duplicated: the same look reads the same however the model phrased it. */
export function tidyStyleDna(style: OpenAiStyleDna): OpenAiStyleDna {
  return {
    colors: tidyList(style.colors),
    patterns: tidyList(style.patterns),
    category: style.category.trim().toLowerCase(),
    occasion: style.occasion.trim().toLowerCase(),
  };
}

/**
 * The text that is embedded. Labelled fields keep it unambiguous when a list is empty,
 * and a fixed order keeps the same attributes on the same vector.
 */
export function renderStyleDna(untidy: OpenAiStyleDna): string {
  const style = tidyStyleDna(untidy);
  return [
    `category: ${style.category}`,
    `colors: ${style.colors.join(', ')}`,
    `patterns: ${style.patterns.join(', ')}`,
    `occasion: ${style.occasion}`,
  ].join('\n');
}
