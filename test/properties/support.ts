import fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Shared settings of the property-based tests. Runs are reproducible: the seed is fixed unless
 * GAPS_PROPERTY_SEED is set (a number, or 'random' to explore); GAPS_PROPERTY_RUNS scales every
 * property's number of cases. A failure prints fast-check's seed and path, which replay it:
 *   GAPS_PROPERTY_SEED=<seed> node --test dist/test/properties/<file>.test.js
 */
const seedEnv = process.env['GAPS_PROPERTY_SEED'];
const scale = Number(process.env['GAPS_PROPERTY_RUNS'] ?? '1');

export function params<T>(numRuns: number): fc.Parameters<T> {
  const seed = seedEnv === 'random' ? Date.now() ^ (Math.random() * 2 ** 31) : seedEnv !== undefined ? Number(seedEnv) : 17;
  return { seed, numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))), endOnFailure: true, includeErrorInReport: true };
}

function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

/** The public data folder, or undefined when it is absent. */
export function dataDir(): string | undefined {
  const d = process.env['GAPS_DATA_DIR'] ?? join(repoRoot(), '..', 'shared', 'data');
  return existsSync(d) ? d : undefined;
}

/** A scratch folder removed when the process exits. */
export function scratch(prefix: string): (name: string, text: string | Buffer) => string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (name, text) => {
    const p = join(dir, `${n++}-${name}`);
    writeFileSync(p, text);
    return p;
  };
}

/** True for the typed errors a user mistake raises (a clean rejection). */
export function isCleanError(e: unknown): boolean {
  return e instanceof Error && (e.name === 'ConfigError' || e.name === 'InputError');
}
