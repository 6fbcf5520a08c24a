import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TERRAFORM_DIR = fileURLToPath(new URL('../../terraform/', import.meta.url));
export const GENERATED_DIR = fileURLToPath(new URL('../../terraform/generated/', import.meta.url));
