export {
  CATEGORIES,
  CATEGORY_PROFILES,
  type Category,
  type CategoryProfile,
  PATTERNS,
  type Pattern,
  STYLE_DNA_PATTERN,
} from './catalog-vocabulary.ts';
export { DemoCatalogError, type DemoCatalogErrorCode } from './demo-catalog-error.ts';
export {
  DEFAULT_CATALOG_SEED,
  type DemoProduct,
  EMBLEM_SHAPES,
  type EmblemShape,
  type GenerateCatalogOptions,
  generateCatalog,
  generateProduct,
  type ProductLook,
} from './generate-catalog.ts';
export { COLOUR_HEX, COLOURS, type ColourName } from './palette.ts';
export {
  DEFAULT_IMAGE_SIZE,
  type RenderProductImageOptions,
  renderProductImage,
} from './render-product-image.ts';
export {
  DIFFICULTIES,
  type Difficulty,
  renderShopperPhoto,
  type ShopperPhotoOptions,
} from './render-shopper-photo.ts';
export {
  type CatalogEntry,
  type CatalogManifest,
  type RenderedProduct,
  renderCatalogImages,
  type ShopperPhotoEntry,
  type ShopperPhotoPlan,
  type WriteCatalogOptions,
  type WriteCatalogProgress,
  type WrittenCatalog,
  writeCatalog,
} from './write-catalog.ts';
