import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/**
 * Parsers for commander options that fail with a message naming the flag. Only plain decimal text
 * is a number: '' , '0x10', '1_000', 'Infinity' and values that overflow to Infinity are errors, and
 * an integer must be exact (a safe integer), never silently rounded.
 */
export function num(flag: string): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    const x = Number(t);
    if (!DECIMAL.test(t) || !Number.isFinite(x)) throw new ConfigError(`${flag}: expected a number, got '${v}'`);
    return x;
  };
}

export function int(flag: string): (v: string) => number {
  return (v: string) => {
    const t = v.trim();
    const x = Number(t);
    if (!INTEGER.test(t)) throw new ConfigError(`${flag}: expected an integer, got '${v}'`);
    if (!Number.isSafeInteger(x)) throw new ConfigError(`${flag}: ${t} is beyond the exactly representable integers (at most ${Number.MAX_SAFE_INTEGER})`);
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
