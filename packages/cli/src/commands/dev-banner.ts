import { type CommandIo, formatColumns, writeLine } from '../runtime/console-output.ts';
import type { Platform } from '../runtime/platform.ts';

export interface DevBannerFacts {
  seconds: number;
  platform: Platform;
  ports: Record<string, number>;
  databaseUrl: string | null;
  dataDir: string | null;
  seeded: { service: string; lines: string[] }[];
}

/** What `nlyzer dev` prints once it is up: where everything is and how to log in. */
export function printDevBanner(io: CommandIo, facts: DevBannerFacts): void {
  const { platform } = facts;
  const out = (line?: string) => writeLine(io.stdout, line);
  out();
  out(`NLyzer is running (started in ${facts.seconds.toFixed(1)} s)`);
  out();
  const rows = platform.services.map(({ definition }) => {
    const base = `http://localhost:${facts.ports[definition.name]}`;
    return [definition.name, base, `${base}/healthz`, `${base}/metrics`];
  });
  for (const line of formatColumns([['SERVICE', 'URL', 'HEALTH', 'METRICS'], ...rows], '  ')) out(line);
  if (facts.databaseUrl) {
    out();
    out(`  database  ${facts.databaseUrl}  (PGlite in ${facts.dataDir})`);
  }
  if (facts.seeded.length > 0) {
    out();
    out('Demo');
    for (const { service, lines } of facts.seeded) for (const line of lines) out(`  ${service}: ${line}`);
  }
  const waiting = [
    ...new Set([
      ...platform.plan.waiting.map((w) => w.service),
      ...(platform.scheduler?.waiting ?? []).map((w) => w.service),
    ]),
  ];
  if (waiting.length > 0) {
    out();
    out(`Waiting for ${waiting.join(', ')}: their subscriptions and jobs start once they exist.`);
  }
  out();
  out('Ctrl-C stops everything.');
}
