import { closeSync, openSync, writeSync } from 'node:fs';
import { csvRow } from '../core/csv.js';
import { ConfigError } from '../core/errors.js';
import { ReqState, type RequestTable } from '../model/requestTable.js';
import type { RequestSink } from '../run/requestSink.js';

/** The columns of requests.csv, one row per request in id (arrival) order. */
export const REQUESTS_CSV_HEADER =
  'id,arrival_s,prompt_tokens,output_tokens,type,instance,state,first_scheduled_s,first_token_s,completion_s,ttft_s,tpot_s,e2e_s,queueing_s,prefill_s,decode_s,preemptions,migrations,slo_violated';

/** One row of requests.csv (no newline; fields quoted as RFC 4180 needs). */
export function requestsCsvRow(t: RequestTable, id: number, sloViolated: number): string {
  const a = t.arrival[id] as number;
  const ft = t.firstToken[id] as number;
  const c = t.completion[id] as number;
  const o = t.output[id] as number;
  const done = t.state[id] === ReqState.Done;
  return csvRow([
    id,
    a,
    t.prompt[id],
    o,
    t.typeNames[t.type[id] as number],
    t.instance[id],
    done ? 'done' : 'rejected',
    t.firstScheduled[id],
    ft,
    c,
    done ? ft - a : '',
    done && o > 1 ? (c - ft) / (o - 1) : '',
    done ? c - a : '',
    // Phases (docs/METRICS.md): queueing, prefill (first scheduled to first token), decode.
    done ? (t.firstScheduled[id] as number) - a : '',
    done ? ft - (t.firstScheduled[id] as number) : '',
    done ? c - ft : '',
    t.preemptions[id],
    t.migrations[id],
    sloViolated,
  ]);
}

const FLUSH_CHARS = 1 << 20;

/**
 * Streams requests.csv while the run goes: rows are written in id order as soon as every request up
 * to them is final, so only a watermark and one flag per request are kept, never the rows themselves.
 * The bytes are those of writing the whole table at the end.
 */
export class RequestsCsvWriter implements RequestSink {
  private readonly fd: number;
  private next = 0;
  /** Per request: 0 not final yet, 1 final, 2 final and an SLO was missed. */
  private flags = new Uint8Array(1024);
  private parts: string[] = [];
  private chars = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new ConfigError(`--out: cannot write '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    this.push(REQUESTS_CSV_HEADER);
  }

  final(t: RequestTable, id: number, sloViolated: boolean): void {
    if (id >= this.flags.length) {
      const b = new Uint8Array(Math.max(id + 1, this.flags.length * 2));
      b.set(this.flags);
      this.flags = b;
    }
    this.flags[id] = sloViolated ? 2 : 1;
    while (this.next < this.flags.length && this.flags[this.next] !== 0) {
      this.push(requestsCsvRow(t, this.next, (this.flags[this.next] as number) - 1));
      this.next++;
    }
  }

  end(t: RequestTable, sloViolated: Uint8Array): void {
    for (; this.next < t.count; this.next++) this.push(requestsCsvRow(t, this.next, sloViolated[this.next] as number));
    this.flush();
    closeSync(this.fd);
  }

  private push(row: string): void {
    this.parts.push(row);
    this.chars += row.length + 1;
    if (this.chars >= FLUSH_CHARS) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, `${this.parts.join('\n')}\n`);
    this.parts = [];
    this.chars = 0;
  }
}
