import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

/** Parsers for commander options that fail with a message naming the flag. */
export function num(flag: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x)) throw new ConfigError(`${flag}: expected a number, got '${v}'`);
    return x;
  };
}

export function int(flag: string): (v: string) => number {
  return (v: string) => {
    const x = Number(v);
    if (!Number.isInteger(x)) throw new ConfigError(`${flag}: expected an integer, got '${v}'`);
    return x;
  };
}

/** Reads a JSON config file; errors name the file and, for syntax errors, the position. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file '${path}' is not valid JSON: ${(e as Error).message}`);
  }
}

/** Sets obj[path] = value when value is defined, creating intermediate objects. */
export function setIfDefined(obj: Record<string, unknown>, path: string[], value: unknown): void {
  if (value === undefined) return;
  let o = obj;
  for (const k of path.slice(0, -1)) {
    if (typeof o[k] !== 'object' || o[k] === null) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path[path.length - 1] as string] = value;
}
