export const TERRAFORM_GEN_ERROR_CODES = [
  /** A name derived from the catalogs is not a valid id for the GCP resource it names. */
  'invalid_gcp_name',
  /** Two catalog entries map to the same Terraform resource address. */
  'duplicate_resource',
  /** A payload schema uses a shape the BigQuery column mapping does not cover. */
  'unsupported_schema',
  /** Bad command-line usage of the generator scripts. */
  'invalid_usage',
] as const;

export type TerraformGenErrorCode = (typeof TERRAFORM_GEN_ERROR_CODES)[number];

export class TerraformGenError extends Error {
  override readonly name = 'TerraformGenError';
  readonly code: TerraformGenErrorCode;

  constructor(code: TerraformGenErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
