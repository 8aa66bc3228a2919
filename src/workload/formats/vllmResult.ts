import { InputError } from '../../core/errors.js';
import { TraceReader, typeFromFileName, type LineSource, type TraceReadOptions } from '../traceReader.js';
import { JsonArraySource } from './jsonScan.js';
import { show } from './jsonTable.js';

/**
 * The result JSON that `vllm bench serve --save-result` writes: one object whose `input_lens` and
 * `output_lens` arrays hold each request's prompt and generated token counts (a failed request has
 * output 0: raised to 1 and counted). When the object has `start_times` (some versions), they set
 * the arrivals (relative to the first); otherwise every request arrives at 0, as with vLLM's
 * default `--request-rate inf` (give `--arrival poisson --rate R` for a rate). The arrays are
 * streamed side by side by three scanners over the same file.
 */
export class VllmResultReader extends TraceReader {
  protected readonly timeField = 'start_times';
  private origin = Number.NaN;

  constructor(path: string, options: TraceReadOptions = {}) {
    super(path, options.type ?? typeFromFileName(path, 'vllm-bench'), options, new ZippedArrays(path));
  }

  protected begin(): void {}

  protected parseRow(text: string): void {
    const [i, input, output, start] = JSON.parse(text) as [number, unknown, unknown, unknown];
    this.row.promptTokens = this.count(input, `input_lens[${i}]`);
    this.row.outputTokens = this.count(output, `output_lens[${i}]`);
    if (start === null) this.row.arrival = 0;
    else {
      if (typeof start !== 'number' || !Number.isFinite(start)) this.fail(`start_times[${i}]`, `expected a number of seconds, got ${show(start)}`);
      if (Number.isNaN(this.origin)) this.origin = start;
      this.row.arrival = start - this.origin;
    }
    this.row.prefixHashes = undefined;
  }

  private count(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) this.fail(field, `expected a non-negative integer, got ${show(v)}`);
    return v;
  }
}

/** Yields `[index, input_lens[i], output_lens[i], start_times[i] | null]` as JSON text. */
class ZippedArrays implements LineSource {
  private readonly inputs: JsonArraySource;
  private readonly outputs: JsonArraySource;
  private readonly starts: JsonArraySource;
  private hasStarts: boolean | undefined;
  private i = 0;

  constructor(private readonly path: string) {
    this.inputs = new JsonArraySource(path, 'input_lens');
    this.outputs = new JsonArraySource(path, 'output_lens');
    this.starts = new JsonArraySource(path, 'start_times');
  }

  get lineNumber(): number {
    return this.inputs.lineNumber;
  }

  next(): string | undefined {
    const a = this.inputs.next();
    const b = this.outputs.next();
    let s: string | undefined;
    if (this.hasStarts !== false) {
      s = this.starts.next();
      this.hasStarts ??= s !== undefined;
    }
    if (a === undefined && b === undefined) return undefined;
    if (a === undefined || b === undefined || (this.hasStarts && s === undefined)) {
      const short = a === undefined ? 'input_lens' : b === undefined ? 'output_lens' : 'start_times';
      throw new InputError(this.path, this.lineNumber, short, `ends after ${this.i} elements while the other arrays go on: they must have one entry per request`);
    }
    return `[${this.i++},${a},${b},${this.hasStarts ? s : 'null'}]`;
  }

  close(): void {
    this.inputs.close();
    this.outputs.close();
    this.starts.close();
  }
}
