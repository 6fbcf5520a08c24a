import { describeWorkingImage, descriptorConfigOf } from './descriptor-embedder.ts';
import type { DecodedImage, ImageEmbedder } from './embedder.ts';
import {
  catalogViews,
  cutout,
  DEFAULT_SHOPPER_VIEWS,
  MASK_SIDE,
  pile,
  type ShopperViewOptions,
} from './shopper-views.ts';
import { extractStyleDna, STYLE_DNA_SIDE, type StyleDna, styleDnaOfWorkingImage } from './style-dna.ts';
import {
  type ChannelTables,
  gainTable,
  IDENTITY,
  toWorkingImages,
  type WorkingImage,
} from './working-image.ts';

export interface CatalogImageEmbedding {
  /** One per catalog view, in `catalogViews` order (the original first). */
  vectors: Float32Array[];
  /** Only when asked for (a product's first image). */
  styleDna: StyleDna | null;
}

export interface CatalogImageEmbeddingOptions {
  styleDna: boolean;
  views?: ShopperViewOptions;
}

/**
 * The vectors of every catalog view of a photo (and its StyleDNA when asked), as
 * `catalogViews` + `embed` + `extractStyleDna` give them. For the built-in descriptor the
 * views are never drawn at full size: a relit copy is its channel tables applied while
 * downsampling (one pass for all lights), and the original's working copy serves the
 * descriptor, the pile's cut-out and StyleDNA at once — most of an indexed photo's cost
 * was those full-size copies. Other embedders see the views themselves.
 */
export async function embedCatalogImage(
  image: DecodedImage,
  embedder: ImageEmbedder,
  options: CatalogImageEmbeddingOptions,
): Promise<CatalogImageEmbedding> {
  const views = options.views ?? DEFAULT_SHOPPER_VIEWS;
  const config = descriptorConfigOf(embedder);
  // Lights that change saturation mix channels, which per-channel tables cannot express.
  const tablesFit = !views.closeCrop && views.lighting.every((light) => light.saturation === 1);
  if (config === undefined || !tablesFit) {
    const vectors: Float32Array[] = [];
    for (const view of catalogViews(image, views)) vectors.push(await embedder.embed(view));
    return { vectors, styleDna: options.styleDna ? extractStyleDna(image) : null };
  }
  const variants: ChannelTables[] = [
    IDENTITY,
    ...views.lighting.map(
      ({ gains }): ChannelTables => [gainTable(gains[0]), gainTable(gains[1]), gainTable(gains[2])],
    ),
  ];
  const side = config.workingSide;
  const working: WorkingImage[] = toWorkingImages(image, side, variants);
  const original = working[0]!;
  if (views.piles.length > 0) {
    const object = cutout(image, side === MASK_SIDE ? original : undefined);
    for (const options of views.piles)
      working.push(...toWorkingImages(pile(image, object, options), side, variants));
  }
  const styleDna = !options.styleDna
    ? null
    : side === STYLE_DNA_SIDE
      ? styleDnaOfWorkingImage(original)
      : extractStyleDna(image);
  return { vectors: working.map((copy) => describeWorkingImage(copy, config)), styleDna };
}
