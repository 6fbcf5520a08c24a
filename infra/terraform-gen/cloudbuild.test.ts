import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEDULES, SERVICE_NAMES, TOPIC_NAMES } from '@nlyzer/contracts';
import { describe, expect, it } from 'vitest';
import { serviceList } from './list-services.ts';
import { REPO_ROOT } from './paths.ts';

const cloudbuild = readFileSync(join(REPO_ROOT, 'cloudbuild.yaml'), 'utf8');
const word = (text: string) => new RegExp(`(?<![\\w-])${text.replaceAll('.', '\\.')}(?![\\w-])`);

describe('list-services', () => {
  it('prints the service catalog, one per line', () => {
    expect(serviceList().trimEnd().split('\n')).toEqual(SERVICE_NAMES);
  });

  it('runs as a script', () => {
    const script = join(import.meta.dirname, 'list-services.ts');
    expect(execFileSync(process.execPath, [script], { encoding: 'utf8' })).toBe(serviceList());
  });
});

describe('cloudbuild.yaml', () => {
  it('restates no service, topic or cron of the catalogs', () => {
    for (const name of [...SERVICE_NAMES, ...TOPIC_NAMES]) expect(cloudbuild, name).not.toMatch(word(name));
    for (const { cron } of Object.values(SCHEDULES)) expect(cloudbuild).not.toContain(cron);
  });

  it('tests, builds the service image, applies the generated Terraform and deploys the listed services', () => {
    expect(cloudbuild).toMatch(/entrypoint: npm\n\s+args: \[test\]/);
    expect(cloudbuild).toContain('-f, infra/docker/Dockerfile');
    expect(cloudbuild).toContain('dir: terraform');
    expect(cloudbuild).toContain('terraform apply');
    expect(cloudbuild).toContain('node infra/terraform-gen/list-services.ts > deploy-services.txt');
    expect(cloudbuild).toMatch(/< deploy-services\.txt[\s\S]*gcloud run deploy/);
  });

  it('escapes shell variables so Cloud Build does not substitute them', () => {
    const substitutions = new Set([
      ...[...cloudbuild.matchAll(/^ {2}(_[A-Z_]+):/gm)].map((m) => m[1]),
      'PROJECT_ID',
      'BUILD_ID',
    ]);
    const used = [...cloudbuild.matchAll(/(?<!\$)\$\{?([A-Za-z_]\w*)/g)].map((m) => m[1]);
    for (const name of used) expect(substitutions, name).toContain(name);
  });
});
