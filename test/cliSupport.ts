import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/** The repository's root: the nearest folder above this file with a package.json. */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

/** The compiled CLI. */
export const CLI = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  code: number;
  out: string;
  err: string;
  /** Wall milliseconds the process took. */
  ms: number;
}

/** Runs the compiled CLI with `args` as a child process, bounded by `timeoutMs`. */
export function runCli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliRun {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, ms: performance.now() - t0 };
}
