import type { RequestTable } from '../model/requestTable.js';

/**
 * Receives each request's record as soon as it is final (completed or rejected), so per-request
 * output can be streamed while the run goes instead of being built from the whole table at the end.
 * Implementations live at the edges (e.g. `src/cli/requestsCsv.ts` writes requests.csv).
 */
export interface RequestSink {
  /** The record of `id` in `table` no longer changes. Called in completion order, not id order. */
  final(table: RequestTable, id: number, sloViolated: boolean): void;
  /** After the run: every request of `table` is final; `sloViolated` is indexed by id. */
  end(table: RequestTable, sloViolated: Uint8Array): void;
}

/** Requests to reserve room for up front at most (beyond this the table grows geometrically). */
export const MAX_RESERVED_REQUESTS = 1 << 24;
