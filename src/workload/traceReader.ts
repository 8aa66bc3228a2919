import { InputError } from '../core/errors.js';
import { echo, MAX_TOKENS } from '../core/limits.js';
import type { RequestSpec } from '../model/request.js';
import { LineReader } from './lineReader.js';

/** Options shared by the trace loaders. */
export interface TraceReadOptions {
  /** Workload type label of every request (default: inferred from the file name). */
  readonly type?: string;
  /** Multiplies every arrival time (replay rate scaling: 0.5 doubles the rate). Default 1. */
  readonly timeScale?: number;
}

/** One parsed row before the shared checks: arrival relative to the first row, in seconds. */
export interface ParsedRow {
  arrival: number;
  promptTokens: number;
  outputTokens: number;
  prefixHashes: readonly number[] | undefined;
}

/**
 * The parts every trace loader shares: the streaming line reader, blank-line skipping, the arrival
 * order check, zero-token counting and the reused iterator result. A subclass parses one line.
 *
 * Policy (documented in docs/WORKLOADS.md): rows must be in non-decreasing time order, otherwise the
 * row is an InputError (no silent reordering); a token count of 0 is raised to 1 (a request has at
 * least one token) and counted in `zeroPromptRows` / `zeroOutputRows`; blank lines are skipped.
 *
 * The IteratorResult object is reused between calls (no allocation per request besides the
 * RequestSpec): keep `result.value`, not `result`.
 */
export abstract class TraceReader implements IterableIterator<RequestSpec> {
  zeroPromptRows = 0;
  zeroOutputRows = 0;
  /** Rows returned so far. */
  rows = 0;
  protected readonly lines: LineReader;
  protected readonly row: ParsedRow = { arrival: 0, promptTokens: 0, outputTokens: 0, prefixHashes: undefined };
  private readonly result: { done: boolean; value: RequestSpec } = { done: false, value: undefined as never };
  private previousArrival = -Infinity;
  private started = false;
  private readonly timeScale: number;

  constructor(
    readonly path: string,
    readonly type: string,
    options: TraceReadOptions = {},
  ) {
    this.lines = new LineReader(path);
    this.timeScale = options.timeScale ?? 1;
  }

  /** 1-based number of the line last read (0 before reading). */
  get lineNumber(): number {
    return this.lines.lineNumber;
  }

  /** Called once before the first row: reads and checks a header line if the format has one. */
  protected abstract begin(): void;
  /** Parses one non-blank data line into `this.row`; throws InputError naming the field. */
  protected abstract parseRow(line: string): void;
  /** Name of the time field, for order errors. */
  protected abstract readonly timeField: string;

  next(): IteratorResult<RequestSpec> {
    if (!this.started) {
      this.started = true;
      this.begin();
    }
    for (let line = this.lines.next(); line !== undefined; line = this.lines.next()) {
      if (isBlank(line)) continue;
      this.parseRow(line);
      this.checkOrder();
      this.rows++;
      this.result.value = this.toSpec();
      return this.result;
    }
    this.result.done = true;
    this.result.value = undefined as never;
    return this.result;
  }

  /** Stops early and releases the file. */
  return(): IteratorResult<RequestSpec> {
    this.lines.close();
    this.result.done = true;
    this.result.value = undefined as never;
    return this.result;
  }

  [Symbol.iterator](): this {
    return this;
  }

  protected fail(field: string, problem: string): never {
    throw new InputError(this.path, this.lines.lineNumber, field, problem);
  }

  /** Parses a token count (0 allowed here; `toSpec` raises it to 1 and counts it), at most MAX_TOKENS. */
  protected tokenCount(text: string, field: string): number {
    const n = parseCount(text);
    if (n < 0 && /^[ \t]*[0-9]+[ \t]*$/.test(text)) this.fail(field, `${echo(text.trim())} tokens is above the supported maximum of ${MAX_TOKENS} per request`);
    if (n < 0) this.fail(field, `expected a non-negative integer, got '${echo(text)}'`);
    return this.inRange(n, field);
  }

  /** A token count above the supported range is an error here, never a wrapped value later. */
  protected inRange(n: number, field: string): number {
    if (n > MAX_TOKENS) this.fail(field, `${n} tokens is above the supported maximum of ${MAX_TOKENS} per request`);
    return n;
  }

  private checkOrder(): void {
    const t = this.row.arrival;
    if (t < this.previousArrival) {
      this.fail(
        this.timeField,
        `rows must be sorted by time: this row is ${(this.previousArrival - t).toPrecision(6)} s before the previous row`,
      );
    }
    this.previousArrival = t;
  }

  private toSpec(): RequestSpec {
    const r = this.row;
    let prompt = r.promptTokens;
    let output = r.outputTokens;
    if (prompt === 0) {
      prompt = 1;
      this.zeroPromptRows++;
    }
    if (output === 0) {
      output = 1;
      this.zeroOutputRows++;
    }
    const arrival = r.arrival * this.timeScale;
    return r.prefixHashes === undefined
      ? { arrival, promptTokens: prompt, outputTokens: output, type: this.type }
      : { arrival, promptTokens: prompt, outputTokens: output, type: this.type, prefixHashes: r.prefixHashes };
  }
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/**
 * A non-negative decimal integer (optionally surrounded by spaces or tabs) as a number, or -1 when
 * the text is anything else ('', '1.5', '-3', '1e3', 'abc', more than 15 digits).
 */
export function parseCount(text: string): number {
  let i = 0;
  let end = text.length;
  while (i < end && isSpace(text.charCodeAt(i))) i++;
  while (end > i && isSpace(text.charCodeAt(end - 1))) end--;
  if (end === i || end - i > 15) return -1;
  let n = 0;
  for (; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** The workload type implied by a trace's file name, or `fallback` when nothing matches. */
export function typeFromFileName(path: string, fallback: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  if (/(^|[_\-.])code([_\-.]|$)/.test(base)) return 'code';
  if (/(^|[_\-.])conv(ersation)?([_\-.]|$)/.test(base)) return 'conversation';
  if (/(^|[_\-.])synthetic([_\-.]|$)/.test(base)) return 'synthetic';
  if (/(^|[_\-.])toolagent([_\-.]|$)/.test(base)) return 'toolagent';
  return fallback;
}
