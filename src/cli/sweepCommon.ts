import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { parseGridText } from '../sweep/grid.js';
import { LocalRunner } from '../sweep/localRunner.js';
import { parseQueueUrl } from '../sweep/queue/connection.js';
import type { SweepRunner } from '../sweep/runner.js';

/** The project version (package.json): part of every point id, so results never cross versions. */
export function projectVersion(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as { name?: string; version?: string };
  return `${pkg.name ?? 'gaps'}@${pkg.version ?? '0.0.0'}`;
}

/** A grid file (JSON or YAML) as a plain tree; read errors name the file. */
export function readGridFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read grid file '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseGridText(text, path);
}

export function defaultOutDir(prefix: string, gridPath: string): string {
  return join('out', `${prefix}-${basename(gridPath, extname(gridPath))}`);
}

/** The runner the flags ask for; BullMQ is loaded only when --queue is given (start-up time). */
export async function makeRunner(f: { queue?: string; workers?: number }, version: string, defaultWorkers: number): Promise<SweepRunner> {
  if (f.workers !== undefined && f.workers < 1) throw new ConfigError(`--workers: must be at least 1, got ${f.workers}`);
  if (f.queue !== undefined) {
    const target = parseQueueUrl(f.queue);
    const { QueueRunner } = await import('../sweep/queue/queueRunner.js');
    return new QueueRunner(target, version, { log: (l) => process.stderr.write(`${l}\n`) });
  }
  return new LocalRunner(f.workers ?? defaultWorkers);
}

export function ensureDir(dir: string, flag = '--out'): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ConfigError(`${flag}: cannot create directory '${dir}': ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

export function writeOut(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}
