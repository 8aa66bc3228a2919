import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configHash, type Provenance } from '../run/provenance.js';

/** The package root (the folder with package.json above this file). */
export function packageRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json')) && dirname(d) !== d) d = dirname(d);
  return d;
}

let cachedVersion: string | undefined;
export function toolVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

let cachedCommit: string | null | undefined;
/** The checkout's commit (with `+dirty` when files differ from it), or null outside a git checkout. */
export function toolCommit(): string | null {
  if (cachedCommit !== undefined) return cachedCommit;
  const root = packageRoot();
  cachedCommit = null;
  if (!existsSync(join(root, '.git'))) return cachedCommit;
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const head = git('rev-parse', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    cachedCommit = dirty ? `${head}+dirty` : head;
  } catch {
    cachedCommit = null;
  }
  return cachedCommit;
}

/** A path as the user would type it from the current folder (absolute paths inside cwd become relative). */
export function relativePath(p: string): string {
  if (!isAbsolute(p)) return p;
  const r = relative(process.cwd(), p);
  return r === '' ? '.' : r;
}

function quote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The run date: SOURCE_DATE_EPOCH (seconds) when set, so repeated runs can write identical files. */
export function runDate(): string {
  const fixed = process.env.SOURCE_DATE_EPOCH;
  const ms = fixed !== undefined && /^\d+$/.test(fixed) ? Number(fixed) * 1000 : Date.now();
  return new Date(ms).toISOString();
}

/** The provenance of the command now running. */
export function provenance(config: unknown, seed: number | null): Provenance {
  return {
    tool: 'gaps',
    version: toolVersion(),
    commit: toolCommit(),
    command: ['gaps', ...process.argv.slice(2).map((a) => quote(relativePath(a)))].join(' '),
    configHash: config === undefined ? null : configHash(config),
    seed,
    date: runDate(),
  };
}
