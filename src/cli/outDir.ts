import { accessSync, constants, lstatSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

function lstatOrUndefined(path: string, follow = false): ReturnType<typeof lstatSync> | undefined {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot inspect '${path}': ${code(e)}`);
  }
}

/**
 * Creates `dir` one component at a time (no recursive mkdir: on some pseudo file systems, /proc,
 * it never returns), so that every failure names the component and its reason.
 */
function makeDirs(dir: string, flag: string): void {
  const missing: string[] = [];
  let d = resolve(dir);
  for (;;) {
    const st = lstatOrUndefined(d, true);
    if (st) {
      if (!st.isDirectory()) throw new ConfigError(`${flag}: '${d}' exists and is not a directory`);
      break;
    }
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw new ConfigError(`${flag}: cannot create directory '${m}': ${code(e)}`);
    }
  }
}

/**
 * Checks an output folder before a run starts, so a bad `--out` fails in a second, not after an
 * hour of simulation: the folder is created if missing and must be writable; if it already holds
 * one of `files`, the run needs `force`; a file to be replaced must be a regular file, never a
 * symbolic link (which would write through it elsewhere).
 */
export function prepareOutDir(dir: string, files: readonly string[], force: boolean, flag = '--out', allowLinkedDir = false): void {
  if (dir.trim() === '') throw new ConfigError(`${flag}: expected a directory, got ''`);
  let st = lstatOrUndefined(dir);
  if (st?.isSymbolicLink() && allowLinkedDir) st = lstatOrUndefined(dir, true);
  if (st?.isSymbolicLink()) throw new ConfigError(`${flag}: '${dir}' is a symbolic link; give the directory itself`);
  if (st && !st.isDirectory()) throw new ConfigError(`${flag}: '${dir}' exists and is not a directory`);
  makeDirs(dir, flag);
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new ConfigError(`${flag}: cannot write into '${dir}': ${code(e)}`);
  }
  const existing = files.filter((f) => lstatOrUndefined(join(dir, f)) !== undefined);
  if (existing.length > 0 && !force) {
    throw new ConfigError(`${flag}: '${dir}' already holds ${existing.join(', ')}; pass --force to overwrite them, or choose a new directory`);
  }
  for (const f of existing) {
    const p = join(dir, f);
    const s = lstatOrUndefined(p);
    if (s && !s.isFile()) throw new ConfigError(`${flag}: refusing to overwrite '${p}': it is ${s.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`);
  }
}
