import { ConfigError } from './errors.js';

/**
 * Ranges the engine supports, checked where values enter it (trace readers, length specs, the
 * Simulation's request boundary, periodic options), so that nothing wraps or spins silently.
 */

/**
 * Largest prompt or output length of one request, in tokens (2^30). Token counts live in 32-bit
 * integer arrays and a request's KV length is prompt + output, so each stays at most 2^30 and their
 * sum below 2^31.
 */
export const MAX_TOKENS = 2 ** 30;

/** Shortest period of any periodic event (monitor reports, time-series samples, controllers), seconds. */
export const MIN_PERIOD_S = 1e-3;

/** Throws a ConfigError naming `key` unless `value` is a finite period of at least MIN_PERIOD_S. */
export function checkPeriod(key: string, value: number): void {
  if (!(Number.isFinite(value) && value >= MIN_PERIOD_S)) {
    throw new ConfigError(`${key}: expected a period of at least ${MIN_PERIOD_S} s, got ${value}`);
  }
}

/** Clips text echoed in an error message: at most `max` characters, control characters made visible. */
export function echo(text: string, max = 60): string {
  const clipped = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return clipped.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}
