import { echo } from '../core/limits.js';
import { TraceReader, typeFromFileName, type TraceReadOptions } from './traceReader.js';

/**
 * Loader for the Mooncake (Kimi) FAST'25 traces: JSON Lines, one object per request,
 * `{"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [int, ...]}`. `hash_ids` are
 * the prompt's 512-token prefix blocks; equal ids mean a reusable KV prefix. They become
 * `prefixHashes`. Arrival = (timestamp - first row's timestamp) / 1000 seconds.
 */

/** 'conversation', 'synthetic' or 'toolagent' from the file name, else 'mooncake'. */
export function mooncakeTypeFromFileName(path: string): string {
  return typeFromFileName(path, 'mooncake');
}

export class MooncakeTraceReader extends TraceReader {
  protected readonly timeField = 'timestamp';
  private originMs = Number.NaN;

  constructor(path: string, options: TraceReadOptions = {}) {
    super(path, options.type ?? mooncakeTypeFromFileName(path), options);
  }

  protected begin(): void {
    // JSON Lines has no header.
  }

  protected parseRow(line: string): void {
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch (e) {
      this.fail('(json)', `invalid JSON: ${echo((e as Error).message, 120)}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      this.fail('(json)', `expected a JSON object, got '${clip(line)}'`);
    }
    const o = obj as Record<string, unknown>;
    const ms = o['timestamp'];
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      this.fail('timestamp', `expected a non-negative number of milliseconds, got ${show(ms)}`);
    }
    if (Number.isNaN(this.originMs)) this.originMs = ms;
    this.row.arrival = (ms - this.originMs) / 1000;
    this.row.promptTokens = this.jsonCount(o['input_length'], 'input_length');
    this.row.outputTokens = this.jsonCount(o['output_length'], 'output_length');
    this.row.prefixHashes = this.hashIds(o['hash_ids']);
  }

  private jsonCount(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      this.fail(field, `expected a non-negative integer, got ${show(v)}`);
    }
    return this.inRange(v, field);
  }

  /**
   * hash_ids is optional (absent = no prefix information); when present, an array of distinct
   * integers. A repeated id would make one cached block stand for several positions of the prompt
   * and undercount its KV under prefix caching, so it is a malformed line.
   */
  private hashIds(v: unknown): readonly number[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) this.fail('hash_ids', `expected an array of integers, got ${show(v)}`);
    for (let i = 0; i < v.length; i++) {
      const h: unknown = v[i];
      if (typeof h !== 'number' || !Number.isSafeInteger(h)) {
        this.fail('hash_ids', `element ${i}: expected an integer, got ${show(h)}`);
      }
    }
    const ids = v as number[];
    if (ids.length > 1) {
      const seen = new Set<number>();
      for (let i = 0; i < ids.length; i++) {
        const h = ids[i] as number;
        if (seen.has(h)) this.fail('hash_ids', `element ${i}: ${h} repeats an earlier element; block ids of one prompt must be distinct`);
        seen.add(h);
      }
    }
    return ids;
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing (field missing)';
  if (typeof v === 'number' && !Number.isFinite(v)) return 'a number too large to represent';
  return echo(JSON.stringify(v));
}

function clip(s: string): string {
  return echo(s);
}
