import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';

/** Where a command writes; tests pass buffers. */
export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
}

export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr };

export function writeLine(stream: Writable, line = ''): void {
  stream.write(`${line}\n`);
}

/** Rows as aligned columns; the last column is left ragged. */
export function formatColumns(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
  );
}

const isTty = (stream: Writable) => (stream as NodeJS.WriteStream).isTTY === true;

/**
 * A pino destination that can hold lines back while a progress bar owns the terminal, so
 * log lines do not tear the bar; `release` writes what was held and passes the rest through.
 */
export function createHeldStream(target: Writable): {
  write(line: string): void;
  hold(): void;
  release(): void;
} {
  let held: string[] | null = null;
  return {
    write(line) {
      if (held) held.push(line);
      else target.write(line);
    },
    hold() {
      held ??= [];
    },
    release() {
      const lines = held ?? [];
      held = null;
      for (const line of lines) target.write(line);
    },
  };
}

export interface StepProgress {
  /** Marks the previous step done and shows this one. */
  step(label: string): void;
  finish(): void;
}

/** A bar over the start-up steps on a terminal; one line per step otherwise (logs, CI, tests). */
export function createStepProgress(total: number, stream: Writable): StepProgress {
  if (!isTty(stream)) {
    let index = 0;
    return {
      step(label) {
        index++;
        writeLine(stream, `[${index}/${total}] ${label}`);
      },
      finish() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: ' {bar} {value}/{total}  {step}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    step(label) {
      if (!started) {
        bar.start(total, 0, { step: label });
        started = true;
      } else bar.increment(1, { step: label });
    },
    finish() {
      if (started) {
        bar.update(total);
        bar.stop();
      }
    },
  };
}

/** A bar over many items on a terminal (dlq replay --all); silent otherwise. */
export function createItemProgress(total: number, stream: Writable): { tick(): void; finish(): void } {
  if (!isTty(stream) || total < 2) return { tick() {}, finish() {} };
  const bar = new cliProgress.SingleBar(
    { stream: stream as NodeJS.WriteStream, format: ' {bar} {value}/{total}', clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: () => bar.increment(),
    finish: () => bar.stop(),
  };
}
