/** Why a demo-catalog call was refused: a closed set so the CLI can word each one once. */
export type DemoCatalogErrorCode = 'invalid_product_count' | 'invalid_image_size' | 'invalid_view';

export class DemoCatalogError extends Error {
  readonly code: DemoCatalogErrorCode;

  constructor(code: DemoCatalogErrorCode, message: string) {
    super(message);
    this.name = 'DemoCatalogError';
    this.code = code;
  }
}
