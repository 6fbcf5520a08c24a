export { type SearchConfig, searchConfigSchema } from './config.ts';
export { type CatalogProduct, upsertCatalogProducts } from './features/catalog/catalog-writes.ts';
export { demoCatalogFiles, demoCatalogProducts } from './features/demo/demo-catalog.ts';
export { service } from './service.ts';
