import { Writable } from 'node:stream';
import type { CommandIo } from '../src/runtime/console-output.ts';

/** A CommandIo whose output the test reads back. */
export function captureIo(): CommandIo & { out(): string; err(): string } {
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const stdout = sink();
  const stderr = sink();
  return { stdout: stdout.stream, stderr: stderr.stream, out: stdout.text, err: stderr.text };
}
