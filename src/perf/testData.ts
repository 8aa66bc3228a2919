import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Test helpers for src/perf only. The public profiles live outside the repository: $GAPS_DATA_DIR,
 * or `<repo>/../shared/data` where <repo> is the nearest folder with a package.json above this file
 * (so it works from src/perf under tsx and from dist/src/perf compiled).
 */
export function profilesDir(): string | undefined {
  const env = process.env['GAPS_DATA_DIR'];
  let data: string;
  if (env) data = env;
  else {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json'))) {
      const up = dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
    data = resolve(dir, '..', 'shared', 'data');
  }
  const p = join(data, 'profiles');
  return existsSync(p) ? p : undefined;
}

/** A path under the profiles folder, or undefined when it is absent (tests then skip with NO_PROFILES). */
export function profileFile(...parts: string[]): string | undefined {
  const dir = profilesDir();
  if (dir === undefined) return undefined;
  const p = join(dir, ...parts);
  return existsSync(p) ? p : undefined;
}

export const NO_PROFILES = 'public profiles not found (set GAPS_DATA_DIR or place them at <repo>/../shared/data/profiles)';

/** Writes files (paths may contain folders) into a fresh temp folder. */
export function tempTree(files: Record<string, string>): { root: string; path: (p: string) => string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'gaps-perf-'));
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  return { root, path: (p) => join(root, p), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
