import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PointOutcome } from './point.js';
import type { ResultStore } from './runner.js';

/**
 * The resume store of a sweep: one JSON line per finished point (`{"id":…,"outcome":…}`), appended
 * as each finishes, so an interrupted sweep loses at most the points that were running. The id
 * already contains the project version, so results of another version are never reused. A torn
 * last line (the process killed mid-write) is ignored.
 */
export class FileStore implements ResultStore {
  private readonly m = new Map<string, PointOutcome>();

  constructor(readonly path: string) {
    if (!existsSync(path)) return;
    const text = readFileSync(path, 'utf8');
    // A torn last line gets its newline now, so the next record starts on a line of its own.
    if (text.length > 0 && !text.endsWith('\n')) appendFileSync(path, '\n');
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const r = JSON.parse(line) as { id?: unknown; outcome?: PointOutcome };
        if (typeof r.id === 'string' && r.outcome && typeof r.outcome.ok === 'boolean') this.m.set(r.id, r.outcome);
      } catch {
        // a line cut short by a kill: that point simply runs again
      }
    }
  }

  get size(): number {
    return this.m.size;
  }

  get(id: string): PointOutcome | undefined {
    return this.m.get(id);
  }

  put(id: string, outcome: PointOutcome): void {
    this.m.set(id, outcome);
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify({ id, outcome })}\n`);
  }
}
