import { ConfigError } from './errors.js';

/**
 * One registry per extension point: a name maps to a factory. Unknown or duplicate names are
 * errors that list the valid ones. Shared code looks policies up here and never branches on names.
 */
export class Registry<F> {
  private readonly entries = new Map<string, { factory: F; summary: string }>();

  constructor(readonly kind: string) {}

  register(name: string, factory: F, summary = ''): this {
    if (this.entries.has(name)) throw new ConfigError(`${this.kind} '${name}' is registered twice`);
    this.entries.set(name, { factory, summary });
    return this;
  }

  get(name: string): F {
    const e = this.entries.get(name);
    if (!e) throw new ConfigError(`unknown ${this.kind} '${name}'; valid: ${this.names().join(', ')}`);
    return e.factory;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  /** `name: summary` lines for --help texts. */
  describe(): string[] {
    return [...this.entries.entries()].map(([n, e]) => (e.summary ? `${n}: ${e.summary}` : n));
  }
}

/**
 * Parses a policy spec of the form `name` or `name:arg` (e.g. `noisy:0.2`, `power-of-d:3`) into
 * its name and optional argument string.
 */
export function splitSpec(spec: string): { name: string; arg: string | undefined } {
  const i = spec.indexOf(':');
  return i < 0 ? { name: spec, arg: undefined } : { name: spec.slice(0, i), arg: spec.slice(i + 1) };
}
