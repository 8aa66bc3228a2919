import type { RequestSpec, Workload } from '../model/request.js';

/**
 * A trace replay started at a different point of the trace: the requests from `cut` seconds on come
 * first (shifted to start at 0), then the ones before `cut` follow, wrapped around after the end with
 * one mean gap between the last and the first. Every request appears exactly once, the arrival
 * pattern and rate are the trace's own, only the phase changes. Experiments use it to give a
 * deterministic trace replay independent repetitions (a seed picks the cut).
 */
export class RotatedTrace implements Iterator<RequestSpec> {
  private source: Workload;
  private wrapped = false;

  constructor(
    private readonly open: () => Workload,
    private readonly cut: number,
    private readonly span: number,
    private readonly gap: number,
  ) {
    this.source = open();
  }

  next(): IteratorResult<RequestSpec> {
    for (;;) {
      const r = this.source.next();
      if (r.done) {
        if (this.wrapped) return { done: true, value: undefined };
        this.wrapped = true;
        this.source = this.open();
        continue;
      }
      const v = r.value;
      if (!this.wrapped) {
        if (v.arrival < this.cut) continue;
        return { done: false, value: { ...v, arrival: v.arrival - this.cut } };
      }
      if (v.arrival >= this.cut) {
        this.source.return?.();
        return { done: true, value: undefined };
      }
      return { done: false, value: { ...v, arrival: v.arrival + (this.span - this.cut) + this.gap } };
    }
  }

  return(): IteratorResult<RequestSpec> {
    this.source.return?.();
    return { done: true, value: undefined };
  }
}
