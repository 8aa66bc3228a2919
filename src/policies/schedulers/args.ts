import { ConfigError } from '../../core/errors.js';
import type { BatchStyle } from './forms.js';

/**
 * Scheduler arguments: `NAME[:V][,KEY=V...]` after the name's colon, e.g. `sarathi:512`,
 * `1bit:200,batch=prefill-first`, `trail:0.8`. The first bare value is the positional argument;
 * every key must be one the scheduler declares. Every problem is reported in one message.
 */
export interface SchedulerArgs {
  readonly positional: string | undefined;
  readonly options: ReadonlyMap<string, string>;
}

export function parseSchedulerArgs(name: string, arg: string | undefined, keys: readonly string[], positional: boolean): SchedulerArgs {
  const options = new Map<string, string>();
  let pos: string | undefined;
  const problems: string[] = [];
  if (arg !== undefined) {
    const parts = arg.split(',');
    parts.forEach((p, i) => {
      const eq = p.indexOf('=');
      if (eq < 0) {
        if (i === 0 && positional) pos = p;
        else problems.push(`unexpected value '${p}'`);
        return;
      }
      const k = p.slice(0, eq).trim();
      if (!keys.includes(k)) problems.push(`unknown option '${k}' (valid: ${keys.length ? keys.join(', ') : 'none'})`);
      else if (options.has(k)) problems.push(`option '${k}' given twice`);
      else options.set(k, p.slice(eq + 1).trim());
    });
  }
  if (problems.length > 0) throw new ConfigError(`scheduler '${name}': ${problems.join('; ')}`);
  return { positional: pos, options };
}

/** A number argument: finite and within [min, max]. */
export function numberArg(name: string, what: string, text: string | undefined, def: number | undefined, min: number, max = Number.POSITIVE_INFINITY): number {
  if (text === undefined) {
    if (def === undefined) throw new ConfigError(`scheduler '${name}': ${what} is required (e.g. '${name}:${min > 0 ? min : 1}')`);
    return def;
  }
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max) {
    throw new ConfigError(`scheduler '${name}': ${what} must be a number in [${min}, ${max}], got '${text}'`);
  }
  return v;
}

export function styleArg(name: string, text: string | undefined): BatchStyle {
  if (text === undefined || text === 'mixed') return 'mixed';
  if (text === 'prefill-first') return 'prefill-first';
  throw new ConfigError(`scheduler '${name}': batch must be 'mixed' or 'prefill-first', got '${text}'`);
}
