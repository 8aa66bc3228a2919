import { ConfigError } from '../../core/errors.js';
import { RandomStreams, type Rng } from '../../kernel/rng.js';
import type { PredictionModel } from '../prediction.js';
import type { ServiceDist } from '../service.js';
import type { Dispatcher, ServerView } from './dispatch.js';
import { before, JobTable, SlotHeap } from './jobs.js';
import type { RankPolicy } from './rankPolicy.js';
import { ServerClock } from './serverClock.js';
import { BatchMeans, type Estimate } from './stats.js';

export interface SimOptions {
  /** Total Poisson arrival rate (over all servers). */
  lambda: number;
  service: ServiceDist;
  prediction: PredictionModel;
  /** The rank policy every server runs. */
  policy: RankPolicy;
  /** Arrivals to simulate; the run continues until all of them have left. */
  jobs: number;
  seed: number;
  /** Leading fraction of arrivals left out of the estimate (default 0.1). */
  warmupFraction?: number;
  /** Batches for the batch-means interval (default 32). */
  batches?: number;
  servers?: number;
  /** Required when servers > 1. */
  dispatcher?: Dispatcher;
  /** Threshold that splits jobs into predicted-short and predicted-long for dispatch counts. */
  typeThreshold?: number;
}

export interface SimResult {
  /** Mean time in system, with its 95% batch-means interval. */
  responseTime: Estimate;
  /** Response time plus external prediction costs (equal to responseTime without them). */
  cost: Estimate;
  /**
   * The batch means behind responseTime. Two runs with the same seed and job count see the same
   * arrivals, sizes and predictions, batch by batch, so their batchwise differences give a paired
   * (common random numbers) interval for the difference of two policies.
   */
  responseBatches: number[];
  jobs: number;
  warmup: number;
  preemptions: number;
  events: number;
}

const COMPLETE = 1;
const CHECK = 2;

/**
 * The event loop: Poisson arrivals generated lazily, per-server typed-array heaps of waiting jobs,
 * and one indexed heap of servers by next event. Each server's next event is its running job's
 * completion or a rank check (where the policy says the job's rank may rise past the best waiting
 * rank). An arrival and a server event at the same instant: the arrival goes first.
 */
class Mg1Simulation implements ServerView {
  readonly servers: number;
  private readonly t = new JobTable();
  private readonly heaps: SlotHeap[];
  private readonly clock: ServerClock;
  private readonly running: Int32Array;
  private readonly stintStart: Float64Array;
  private readonly stintAttained: Float64Array;
  private readonly eventAge: Float64Array;
  private readonly eventKind: Uint8Array;
  private readonly count: Int32Array;
  private readonly countLong: Int32Array;
  private readonly waitWork: Float64Array;
  private readonly rArrival: Rng;
  private readonly rSize: Rng;
  private readonly rPred: Rng;
  private readonly rPred2: Rng;
  private readonly resp: BatchMeans;
  private readonly cost: BatchMeans;
  private readonly policy: RankPolicy;
  private readonly threshold: number;
  private now = 0;
  private preemptions = 0;
  private events = 0;

  constructor(private readonly o: SimOptions) {
    const K = o.servers ?? 1;
    this.servers = K;
    this.policy = o.policy;
    this.threshold = o.typeThreshold ?? Number.POSITIVE_INFINITY;
    this.heaps = Array.from({ length: K }, () => new SlotHeap(this.t));
    this.clock = new ServerClock(K);
    this.running = new Int32Array(K).fill(-1);
    this.stintStart = new Float64Array(K);
    this.stintAttained = new Float64Array(K);
    this.eventAge = new Float64Array(K);
    this.eventKind = new Uint8Array(K);
    this.count = new Int32Array(K);
    this.countLong = new Int32Array(K);
    this.waitWork = new Float64Array(K);
    const streams = new RandomStreams(o.seed);
    this.rArrival = streams.stream('mg1/arrivals');
    this.rSize = streams.stream('mg1/sizes');
    this.rPred = streams.stream('mg1/predictions');
    this.rPred2 = streams.stream('mg1/cheap-predictions');
    const warm = Math.floor(o.jobs * (o.warmupFraction ?? 0.1));
    this.resp = new BatchMeans(o.jobs, warm, o.batches ?? 32);
    this.cost = new BatchMeans(o.jobs, warm, o.batches ?? 32);
  }

  run(): SimResult {
    const n = this.o.jobs;
    const rate = this.o.lambda;
    let arrived = 0;
    let nextArrival = this.rArrival.exponential(rate);
    let left = n;
    while (left > 0) {
      const ts = this.clock.topTime();
      this.events++;
      if (nextArrival <= ts) {
        this.now = nextArrival;
        this.arrive(arrived++);
        nextArrival = arrived < n ? this.now + this.rArrival.exponential(rate) : Number.POSITIVE_INFINITY;
        continue;
      }
      const k = this.clock.top();
      this.now = ts;
      if (this.eventKind[k] === COMPLETE) {
        this.complete(k);
        left--;
      } else {
        this.stintAttained[k] = this.eventAge[k] as number; // exact: the policy's breakpoint
        this.stintStart[k] = ts;
        this.reschedule(k);
      }
    }
    return {
      responseTime: this.resp.estimate(),
      cost: this.cost.estimate(),
      responseBatches: this.resp.means(),
      jobs: n,
      warmup: this.resp.warmup,
      preemptions: this.preemptions,
      events: this.events,
    };
  }

  private arrive(index: number): void {
    const t = this.t;
    const s = t.alloc();
    const x = this.o.service.sample(this.rSize);
    const y = this.o.prediction.sample(x, this.rPred);
    t.size[s] = x;
    t.pred[s] = y;
    t.pred2[s] = this.policy.usesSecondPrediction ? this.o.prediction.sample(x, this.rPred2) : y;
    t.arrival[s] = this.now;
    t.attained[s] = 0;
    t.index[s] = index;
    this.policy.admit(t, s);
    const k = this.servers === 1 ? 0 : (this.o.dispatcher as Dispatcher).pick(this, y);
    this.count[k] = (this.count[k] as number) + 1;
    if (y > this.threshold) this.countLong[k] = (this.countLong[k] as number) + 1;
    this.enqueue(k, s);
    this.reschedule(k);
  }

  private enqueue(k: number, s: number): void {
    const t = this.t;
    this.policy.rank(t, s, t.attained[s] as number);
    this.waitWork[k] = (this.waitWork[k] as number) + Math.max(0, (t.pred[s] as number) - (t.attained[s] as number));
    (this.heaps[k] as SlotHeap).push(s);
  }

  private attainedNow(k: number): number {
    return (this.stintAttained[k] as number) + (this.now - (this.stintStart[k] as number));
  }

  /** Something changed at server k: start a job, preempt, or re-plan the running job's next event. */
  private reschedule(k: number): void {
    const heap = this.heaps[k] as SlotHeap;
    const r = this.running[k] as number;
    if (r < 0) {
      if (heap.n > 0) this.start(k, this.pop(k));
      return;
    }
    if (!this.policy.preemptive || heap.n === 0) return;
    const t = this.t;
    const a = this.attainedNow(k);
    this.policy.rank(t, r, a);
    if (before(t, heap.top(), r)) {
      t.attained[r] = a;
      this.running[k] = -1;
      this.enqueue(k, r); // its rank was just computed; enqueue recomputes the same value
      this.preemptions++;
      this.start(k, this.pop(k));
    } else {
      this.stintAttained[k] = a;
      this.stintStart[k] = this.now;
      this.plan(k);
    }
  }

  private pop(k: number): number {
    const s = (this.heaps[k] as SlotHeap).pop();
    const t = this.t;
    this.waitWork[k] = (this.waitWork[k] as number) - Math.max(0, (t.pred[s] as number) - (t.attained[s] as number));
    return s;
  }

  private start(k: number, s: number): void {
    this.running[k] = s;
    this.stintStart[k] = this.now;
    this.stintAttained[k] = this.t.attained[s] as number;
    this.plan(k);
  }

  /** Next event of server k's running job: completion, or an earlier rank check. */
  private plan(k: number): void {
    const t = this.t;
    const s = this.running[k] as number;
    const a = this.stintAttained[k] as number;
    const heap = this.heaps[k] as SlotHeap;
    const done = t.work[s] as number;
    let age = done;
    let kind = COMPLETE;
    if (this.policy.preemptive && heap.n > 0) {
      const top = heap.top();
      const check = this.policy.nextCheck(t, s, a, t.r1[top] as number, t.r2[top] as number);
      if (check < done) {
        age = check;
        kind = CHECK;
      }
    }
    this.eventAge[k] = age;
    this.eventKind[k] = kind;
    this.clock.set(k, this.now + (age - a));
  }

  private complete(k: number): void {
    const t = this.t;
    const s = this.running[k] as number;
    const resp = this.now - (t.arrival[s] as number);
    const idx = t.index[s] as number;
    this.resp.add(idx, resp);
    this.cost.add(idx, resp + (t.extra[s] as number));
    this.count[k] = (this.count[k] as number) - 1;
    if ((t.pred[s] as number) > this.threshold) this.countLong[k] = (this.countLong[k] as number) - 1;
    t.release(s);
    this.running[k] = -1;
    const heap = this.heaps[k] as SlotHeap;
    if (heap.n > 0) this.start(k, this.pop(k));
    else this.clock.set(k, Number.POSITIVE_INFINITY);
  }

  jobs(k: number): number {
    return this.count[k] as number;
  }

  jobsOfType(k: number, long: boolean): number {
    const l = this.countLong[k] as number;
    return long ? l : (this.count[k] as number) - l;
  }

  predictedWork(k: number): number {
    const r = this.running[k] as number;
    const run = r < 0 ? 0 : Math.max(0, (this.t.pred[r] as number) - this.attainedNow(k));
    return (this.waitWork[k] as number) + run;
  }
}

/** Simulates an M/G/1 (or a dispatched M/G/K of single-server queues) under a rank policy. */
export function simulate(o: SimOptions): SimResult {
  const K = o.servers ?? 1;
  if (!(Number.isInteger(o.jobs) && o.jobs >= 100)) throw new ConfigError(`--jobs must be an integer >= 100, got '${o.jobs}'`);
  if (!(Number.isInteger(K) && K >= 1)) throw new ConfigError(`--servers must be an integer >= 1, got '${K}'`);
  if (K > 1 && !o.dispatcher) throw new ConfigError('--dispatch is required with more than one server');
  if (!(o.lambda > 0 && Number.isFinite(o.lambda))) throw new ConfigError(`--lambda must be a positive number, got '${o.lambda}'`);
  return new Mg1Simulation(o).run();
}
