import { createHash } from 'node:crypto';

/**
 * Where a result came from: written into every result file and report so that a number can be
 * traced back to the tool, the code and the command that made it. Gathered at the edge (the CLI
 * reads the version, the commit and the clock); this file only defines the record and hashes.
 */
export interface Provenance {
  readonly tool: 'gaps';
  readonly version: string;
  /** Git commit of the checkout the tool ran from, when known (null in an installed package). */
  readonly commit: string | null;
  /** The command as typed, with paths relative to where it ran. */
  readonly command: string;
  /** sha256 (first 16 hex digits) of the canonical JSON of the run's configuration. */
  readonly configHash: string | null;
  readonly seed: number | null;
  /** ISO 8601, UTC; fixed by SOURCE_DATE_EPOCH when set, for byte-identical files. */
  readonly date: string;
}

/** JSON with object keys sorted at every level: equal configs give equal text whatever the key order. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const o = x as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}

export function configHash(config: unknown): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}

/** One line for text output and HTML footers. */
export function describeProvenance(p: Provenance): string {
  const parts = [`gaps ${p.version}`, p.commit ? `commit ${p.commit.slice(0, 12)}` : 'commit unknown', `run ${p.date}`];
  if (p.seed !== null) parts.push(`seed ${p.seed}`);
  if (p.configHash) parts.push(`config ${p.configHash}`);
  return `${parts.join(', ')}: ${p.command}`;
}
