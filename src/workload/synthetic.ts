import type { Rng } from '../kernel/rng.js';
import type { RequestSpec, Workload } from '../model/request.js';
import type { ArrivalProcess } from './arrivals.js';
import type { LengthDist, OutputModel } from './lengths.js';

/**
 * Lazy workload streams: one request per `next()`, nothing pre-generated, no allocation per request
 * besides the RequestSpec. The IteratorResult object is reused between calls, so a consumer keeps
 * `result.value`, never `result` itself.
 */
abstract class Stream implements IterableIterator<RequestSpec> {
  protected readonly result: { done: boolean; value: RequestSpec } = { done: false, value: undefined as never };

  abstract next(): IteratorResult<RequestSpec>;

  [Symbol.iterator](): this {
    return this;
  }

  protected emit(value: RequestSpec): IteratorResult<RequestSpec> {
    this.result.value = value;
    return this.result;
  }

  protected end(): IteratorResult<RequestSpec> {
    this.result.done = true;
    this.result.value = undefined as never;
    return this.result;
  }
}

/** The random sources of one synthetic request type; each concern has its own Rng stream. */
export interface SyntheticParts {
  readonly type: string;
  readonly arrivals: ArrivalProcess;
  readonly prompt: LengthDist;
  readonly output: OutputModel;
  readonly promptRng: Rng;
  readonly outputRng: Rng;
}

/** An endless stream of synthetic requests of one type. */
export class SyntheticWorkload extends Stream {
  constructor(private readonly p: SyntheticParts) {
    super();
  }

  next(): IteratorResult<RequestSpec> {
    const p = this.p;
    const arrival = p.arrivals.next();
    const promptTokens = p.prompt.sample(p.promptRng);
    const outputTokens = p.output.sample(p.outputRng, promptTokens);
    return this.emit({ arrival, promptTokens, outputTokens, type: p.type });
  }
}

/** Merges time-ordered streams into one (ties go to the earlier source in the list). */
export class MergedWorkload extends Stream {
  private readonly heads: (RequestSpec | undefined)[];
  private started = false;

  constructor(private readonly sources: readonly Workload[]) {
    super();
    this.heads = sources.map(() => undefined);
  }

  next(): IteratorResult<RequestSpec> {
    if (!this.started) {
      this.started = true;
      for (let i = 0; i < this.sources.length; i++) this.advance(i);
    }
    let best = -1;
    for (let i = 0; i < this.heads.length; i++) {
      const h = this.heads[i];
      if (h !== undefined && (best < 0 || h.arrival < this.heads[best]!.arrival)) best = i;
    }
    if (best < 0) return this.end();
    const value = this.heads[best]!;
    this.advance(best);
    return this.emit(value);
  }

  private advance(i: number): void {
    const r = this.sources[i]!.next();
    this.heads[i] = r.done ? undefined : r.value;
  }
}

/**
 * Stops a stream after `maxRequests` requests or at the first arrival later than `maxTimeS`
 * (that request is not emitted), whichever comes first; then releases the source (`return()`).
 */
export class LimitedWorkload extends Stream {
  private count = 0;
  private done = false;

  constructor(
    private readonly source: Workload,
    private readonly maxRequests = Infinity,
    private readonly maxTimeS = Infinity,
  ) {
    super();
  }

  next(): IteratorResult<RequestSpec> {
    if (this.done || this.count >= this.maxRequests) return this.finish();
    const r = this.source.next();
    if (r.done || r.value.arrival > this.maxTimeS) return this.finish();
    this.count++;
    return this.emit(r.value);
  }

  private finish(): IteratorResult<RequestSpec> {
    if (!this.done) this.source.return?.();
    this.done = true;
    return this.end();
  }
}

/** Replacements for parts of a trace's requests. */
export interface TraceOverrides {
  readonly arrivals?: ArrivalProcess;
  readonly prompt?: { readonly dist: LengthDist; readonly rng: Rng };
  readonly output?: { readonly model: OutputModel; readonly rng: Rng };
}

/**
 * A trace with synthetic arrivals and/or lengths substituted, keeping everything else in trace
 * order. Prefix hashes describe the original prompt, so they are dropped when the prompt changes.
 */
export class OverriddenTrace extends Stream {
  constructor(
    private readonly source: Workload,
    private readonly o: TraceOverrides,
  ) {
    super();
  }

  next(): IteratorResult<RequestSpec> {
    const r = this.source.next();
    if (r.done) return this.end();
    const t = r.value;
    const o = this.o;
    const arrival = o.arrivals ? o.arrivals.next() : t.arrival;
    const promptTokens = o.prompt ? o.prompt.dist.sample(o.prompt.rng) : t.promptTokens;
    const outputTokens = o.output ? o.output.model.sample(o.output.rng, promptTokens) : t.outputTokens;
    const spec: RequestSpec =
      t.prefixHashes !== undefined && !o.prompt
        ? { arrival, promptTokens, outputTokens, type: t.type, prefixHashes: t.prefixHashes }
        : { arrival, promptTokens, outputTokens, type: t.type };
    return this.emit(spec);
  }

  return(): IteratorResult<RequestSpec> {
    this.source.return?.();
    return this.end();
  }
}
