import { ReqState } from '../model/requestTable.js';
import type { SimResult } from '../sim/simulation.js';

/**
 * One request's outcome as a plain record (library use and requests.csv). Times in seconds; a
 * rejected request has NaN for everything after its arrival. Phases (docs/METRICS.md):
 * queueing = first scheduled - arrival; prefill = first token - first scheduled (includes any wait
 * between prefill chunks); decode = completion - first token.
 */
export interface RequestRecord {
  id: number;
  arrivalS: number;
  promptTokens: number;
  outputTokens: number;
  type: string;
  instance: number;
  state: 'done' | 'rejected';
  firstScheduledS: number;
  firstTokenS: number;
  completionS: number;
  ttftS: number;
  /** (e2e - ttft) / (output - 1); NaN for a one-token output. */
  tpotS: number;
  e2eS: number;
  queueingS: number;
  prefillS: number;
  decodeS: number;
  preemptions: number;
  migrations: number;
  sloViolated: boolean;
}

/** The records one at a time, in id (arrival) order: nothing is built for requests not read. */
export function* iterRequestRecords(r: SimResult): Generator<RequestRecord, void, undefined> {
  const t = r.table;
  for (let id = 0; id < t.count; id++) {
    const a = t.arrival[id] as number;
    const done = t.state[id] === ReqState.Done;
    const fs = done ? (t.firstScheduled[id] as number) : NaN;
    const ft = done ? (t.firstToken[id] as number) : NaN;
    const c = done ? (t.completion[id] as number) : NaN;
    const o = t.output[id] as number;
    yield {
      id,
      arrivalS: a,
      promptTokens: t.prompt[id] as number,
      outputTokens: o,
      type: t.typeNames[t.type[id] as number] as string,
      instance: t.instance[id] as number,
      state: done ? 'done' : 'rejected',
      firstScheduledS: fs,
      firstTokenS: ft,
      completionS: c,
      ttftS: ft - a,
      tpotS: o > 1 ? (c - ft) / (o - 1) : NaN,
      e2eS: c - a,
      queueingS: fs - a,
      prefillS: ft - fs,
      decodeS: c - ft,
      preemptions: t.preemptions[id] as number,
      migrations: t.migrations[id] as number,
      sloViolated: r.sloViolated[id] === 1,
    };
  }
}

/** Every request's record, in id order. */
export function requestRecords(r: SimResult): RequestRecord[] {
  return [...iterRequestRecords(r)];
}
