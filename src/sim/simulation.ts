import { InvariantError } from '../core/errors.js';
import { EventQueue } from '../kernel/eventQueue.js';
import { SlotTimers } from '../kernel/slotTimers.js';
import { MinCountIndex } from '../kernel/minCountIndex.js';
import { HeapPositions } from '../model/indexedHeap.js';
import type { BatchPolicy } from '../model/batchPolicy.js';
import { Instance, type InstanceConfig, type InstanceListener, type RejectReason } from '../model/instance.js';
import type { PerfModel } from '../model/perfModel.js';
import type { Workload } from '../model/request.js';
import { ReqState, RequestTable } from '../model/requestTable.js';
import { refinePrediction, type OutputPredictor, type PredictionFeatures } from '../predictors/predictor.js';
import type { CompletionInfo, RoutedRequest, Router } from '../policies/routers/router.js';
import { reportFieldsOf, type ClusterPolicy } from '../policies/clusterPolicy.js';
import type { ClusterControl, Controller, MigrationMode, RequestSnapshot } from '../policies/controllers/controller.js';
import { REPORT_FIELDS, ViewStamps, type ReportField } from '../policies/clusterView.js';
import { Monitor, newInstanceView, type MutableInstanceView } from './monitor.js';
import { checkRequest } from './requestCheck.js';
import { DeadlineStage } from './deadlines.js';
import { SloJudge, type SloDefaults } from './slo.js';
import { TimeSeries } from './timeSeries.js';

export interface ClusterConfig {
  readonly numInstances: number;
  readonly instance: InstanceConfig;
  readonly perf: PerfModel;
  /** Called once per instance: each instance gets its own batch policy object. */
  readonly scheduler: () => BatchPolicy;
  /** The cluster policy: its router routes each arrival; roles, decode routing and controllers set up the cluster. */
  readonly policy: ClusterPolicy;
  /** Seconds between monitor reports; 0 makes queue and KV fields live (refreshed at every decision). */
  readonly reportIntervalS: number;
  readonly slo: SloDefaults;
  /** KV bytes per token of the model (migration cost). */
  readonly kvBytesPerToken: number;
  /** Bytes/s between instances (migration, KV transfer). */
  readonly interconnectBandwidth: number;
  /** Fixed pause of a running request's migration, seconds; a waiting request's move costs `moveWaitingS`. */
  readonly migrationPauseS: number;
  readonly moveWaitingS: number;
  readonly controllers?: readonly Controller[];
  /** Predicts each request's output length on arrival, before routing; learns from completions. */
  readonly predictor?: OutputPredictor;
  /** Check KV conservation after every iteration (slow; for tests and --check). */
  readonly check?: boolean;
  /** TBT targets by workload type for requests without their own (seconds). */
  readonly tbtTargetsByType?: Readonly<Record<string, number>>;
  /** Record per-instance time series at every report (and at least every `timeSeriesIntervalS`). */
  readonly timeSeriesIntervalS?: number;
  /** Called once per request when its record is final (completed or rejected), e.g. to stream it to disk. */
  readonly onFinal?: (id: number, sloViolated: boolean) => void;
  /** Publish monitor reports even when nothing reads them (tests compare runs with and without). */
  readonly alwaysReport?: boolean;
}

export interface SimResult {
  readonly table: RequestTable;
  readonly instances: readonly Instance[];
  readonly events: number;
  /** Time of the last event. */
  readonly simTimeS: number;
  readonly migrations: number;
  readonly migrationSeconds: number;
  readonly migratedBytes: number;
  /** Phase-split KV transfers from prefill to decode instances, and their total seconds. */
  readonly kvTransfers: number;
  readonly kvTransferSeconds: number;
  readonly rejected: number;
  /** Rejections by reason (e.g. 'kv-capacity': the request's context can never fit in an instance's KV). */
  readonly rejectedBy: Readonly<Record<string, number>>;
  /** API calls made by API-augmented requests, by how their KV was kept. */
  readonly apiCalls: { readonly preserve: number; readonly discard: number; readonly swap: number };
  /** 1 where the completed request missed an SLO. */
  readonly sloViolated: Uint8Array;
  readonly timeSeries: TimeSeries;
  readonly judge: SloJudge;
}

// Event kinds, and their phases: the order of simultaneous events is a decision, written here.
// Iteration ends run first (they free capacity), then migrations land, then reports, controllers,
// arrivals, and last the start of an idle instance, so that simultaneous arrivals share a batch.
// Iteration ends (at most one per instance, most of the events) are kept apart from the heap, in a
// winner tree of per-instance timers; since no other event has their phase, an iteration end runs
// before any heap event of the same time, and among themselves they keep the order they were
// scheduled in: the same total order (time, phase, sequence) as one heap of every event. Arrivals
// come from the workload in time order, one pending at a time, so the next one is held apart too and
// runs before a heap event of the same time exactly when that event's phase is after ARRIVAL's.
const ITER_END = 0;
const MIGRATION_DONE = 1;
const MONITOR = 2;
const CONTROLLER = 3;
const ARRIVAL = 4;
const KICK = 5;
const API_RETURN = 6;

/** The discrete-event simulation of one cluster run. Construct, then call `run(workload)` once. */
export class Simulation implements InstanceListener, ClusterControl {
  readonly table = new RequestTable(4096);
  readonly instances: Instance[];
  private readonly q = new EventQueue(256);
  /** When each instance's running iteration ends (event kind ITER_END). */
  private readonly iterEnds: SlotTimers;
  private readonly views: MutableInstanceView[];
  private readonly monitor: Monitor;
  readonly view: { now: number; instances: readonly MutableInstanceView[]; leastOutstanding: () => number; stamps: ViewStamps };
  /** Change stamps of the views (ClusterView.stamps): touched wherever a view field changes. */
  private readonly stamps: ViewStamps;
  /**
   * The instances by outstanding requests (ties: lowest id), built on the first `leastOutstanding()`
   * call and from then on updated at every change of a view's `outstanding` (routers that never ask
   * cost nothing).
   */
  private byOutstanding: MinCountIndex | undefined;
  private readonly judge: SloJudge;
  /** Per-request calibrated deadlines (SLO mode `deadline: 'gaps'`). */
  private readonly deadlines: DeadlineStage | undefined;
  private readonly kicked: Uint8Array;
  private readonly router: Router;
  /** The run's controllers, then the policy's own (e.g. a rebalancer that ships with the router). */
  private readonly controllers: readonly Controller[];
  /** Per instance: (request, target, live) triples waiting for the running iteration to end. */
  private readonly pendingMoves: number[][] = [];
  /** Moves waiting in `pendingMoves`, all instances together: an iteration's end skips the lists while it is 0. */
  private movesPending = 0;
  /** `cfg.check`, read once per iteration end. */
  private readonly check: boolean;
  /**
   * Whether monitor reports are published. Only the views' report fields carry them, and only the
   * policy (as it declares: `reportFieldsOf`), the run's own controllers and the time series read
   * those; when none of them reads any, no decision and no output can depend on the reports, so
   * they are skipped (the MONITOR ticks still run, so event counts are the same).
   */
  private readonly reports: boolean;
  /** Whether the monitor counts completions (it does only when the SLO-violation rate is read: `Monitor.countsCompletions`). */
  private readonly countsCompletions: boolean;
  private readonly series: TimeSeries;
  private now = 0;
  private pending: Workload | undefined;
  private nextArrival: ReturnType<Workload['next']> | undefined;
  /** Time of `nextArrival` (+Infinity: none): an event kept outside the heap (see the event kinds). */
  private arrivalTime = Number.POSITIVE_INFINITY;
  private inSystem = 0;
  private rejected = 0;
  private readonly rejectedBy: Record<string, number> = {};
  private migrations = 0;
  private migrationSeconds = 0;
  private migratedBytes = 0;
  private kvTransfers = 0;
  private kvTransferSeconds = 0;
  private readonly features: { -readonly [K in keyof PredictionFeatures]: PredictionFeatures[K] } = {
    promptTokens: 0,
    type: 0,
    sessionId: undefined,
    oracleOutputTokens: Number.NaN,
  };
  private readonly routed: { -readonly [K in keyof RoutedRequest]: RoutedRequest[K] };

  constructor(private readonly cfg: ClusterConfig) {
    if (cfg.numInstances < 1) throw new InvariantError('a cluster needs at least one instance');
    const wp = new HeapPositions(4096);
    const dp = new HeapPositions(4096);
    this.instances = [];
    this.views = [];
    this.iterEnds = new SlotTimers(cfg.numInstances);
    for (let i = 0; i < cfg.numInstances; i++) {
      this.instances.push(new Instance(i, cfg.instance, cfg.perf, cfg.scheduler(), this.table, wp, dp, this, this.refiner));
      this.views.push(newInstanceView(i, cfg.instance.kvBlocks, cfg.instance.blockSize));
    }
    this.router = cfg.policy.router;
    const roles = cfg.policy.instanceRoles?.(cfg.numInstances);
    if (roles) {
      if (roles.length !== cfg.numInstances) throw new InvariantError(`router '${this.router.name}' gave ${roles.length} roles for ${cfg.numInstances} instances`);
      roles.forEach((role, i) => {
        (this.instances[i] as Instance).role = role;
        (this.views[i] as MutableInstanceView).role = role;
      });
    }
    this.kicked = new Uint8Array(cfg.numInstances);
    this.controllers = [...(cfg.controllers ?? []), ...(cfg.policy.controllers ?? [])];
    for (let i = 0; i < cfg.numInstances; i++) this.pendingMoves.push([]);
    this.stamps = new ViewStamps(cfg.numInstances);
    const reads = reportFieldsRead(cfg);
    this.monitor = new Monitor(this.instances, this.views, this.stamps, reads);
    this.view = { now: 0, instances: this.views, leastOutstanding: () => this.leastOutstanding(), stamps: this.stamps };
    this.judge = new SloJudge(cfg.perf, this.table, cfg.slo);
    if (cfg.slo.deadline === 'gaps') {
      if (!cfg.predictor) throw new InvariantError("SLO mode 'deadline: gaps' needs a predictor");
      this.deadlines = new DeadlineStage(this.judge, cfg.slo.deadlineSlack ?? 5);
    }
    this.series = new TimeSeries(cfg.timeSeriesIntervalS ?? 0);
    this.check = cfg.check === true;
    this.reports = reads.length > 0;
    this.countsCompletions = this.monitor.countsCompletions;
    this.routed = { id: 0, arrival: 0, promptTokens: 0, type: '', sessionId: undefined, predictedOutputTokens: Number.NaN };
  }

  run(workload: Workload): SimResult {
    if (this.pending) throw new InvariantError('a Simulation runs once');
    this.pending = workload;
    this.pullArrival();
    this.q.push(this.reportEvery, MONITOR, MONITOR, 0, 0);
    this.controllers.forEach((c, i) => this.q.push(c.intervalS, CONTROLLER, CONTROLLER, i, 0));
    if (this.reports) this.monitor.report(0);
    const q = this.q;
    const ends = this.iterEnds;
    let events = 0;
    for (;;) {
      const endT = ends.peekTime();
      const heapT = q.peekTime();
      const arrT = this.arrivalTime;
      // An iteration end wins a tie: its phase (0) is below every other event's.
      if (endT <= heapT && endT <= arrT) {
        if (endT === Number.POSITIVE_INFINITY) break;
        events++;
        if (endT < this.now) throw new InvariantError(`clock went backwards: ${endT} < ${this.now}`);
        this.now = endT;
        this.onIterEnd(ends.pop());
        continue;
      }
      if (arrT < heapT || (arrT === heapT && q.peekPhase() > ARRIVAL)) {
        events++;
        if (arrT < this.now) throw new InvariantError(`clock went backwards: ${arrT} < ${this.now}`);
        this.now = arrT;
        this.onArrival();
        continue;
      }
      q.pop();
      events++;
      const t = q.popTime;
      if (t < this.now) throw new InvariantError(`clock went backwards: ${t} < ${this.now}`);
      this.now = t;
      const target = q.popTarget;
      switch (q.popKind) {
        case KICK:
          this.kicked[target] = 0;
          if (!(this.instances[target] as Instance).busy) this.startIteration(target);
          break;
        case MONITOR:
          this.onMonitor();
          break;
        case CONTROLLER:
          this.onController(target);
          break;
        case MIGRATION_DONE:
          this.onMigrationDone(q.popData, target);
          break;
        case API_RETURN:
          (this.instances[target] as Instance).apiReturn(q.popData, this.now);
          this.kick(target);
          break;
      }
    }
    this.finalChecks();
    return {
      table: this.table,
      instances: this.instances,
      events,
      simTimeS: this.now,
      migrations: this.migrations,
      migrationSeconds: this.migrationSeconds,
      migratedBytes: this.migratedBytes,
      kvTransfers: this.kvTransfers,
      kvTransferSeconds: this.kvTransferSeconds,
      rejected: this.rejected,
      rejectedBy: { ...this.rejectedBy },
      apiCalls: sumApiCalls(this.instances),
      sloViolated: this.table.sloViolated.subarray(0, this.table.count),
      timeSeries: this.series,
      judge: this.judge,
    };
  }

  /** Full reports (utilisation, SLO windows) run every report interval, or every second when queues are live. */
  private get reportEvery(): number {
    return this.cfg.reportIntervalS > 0 ? this.cfg.reportIntervalS : 1;
  }

  private get active(): boolean {
    return this.inSystem > 0 || this.nextArrival !== undefined;
  }

  private pullArrival(): void {
    const r = (this.pending as Workload).next();
    if (r.done) {
      this.nextArrival = undefined;
      this.arrivalTime = Number.POSITIVE_INFINITY;
      return;
    }
    checkRequest(r.value, this.table.count, this.now);
    this.nextArrival = r;
    this.arrivalTime = r.value.arrival;
  }

  private onArrival(): void {
    const spec = (this.nextArrival as IteratorYieldResult<import('../model/request.js').RequestSpec>).value;
    const id = this.table.add(spec);
    this.inSystem++;
    const byType = this.cfg.tbtTargetsByType;
    if (byType && Number.isNaN(this.table.sloTbtOf(id))) {
      const target = byType[spec.type];
      if (target !== undefined) this.table.setSloTbt(id, target);
    }
    if (this.cfg.predictor) this.table.predictedOutput[id] = this.cfg.predictor.predict(this.featuresOf(id));
    if (this.deadlines) this.deadlines.assign(id, spec.arrival, spec.promptTokens, this.table.predictedOutput[id] as number);
    const r = this.fillRouted(id);
    if (this.cfg.reportIntervalS === 0 && this.reports) this.monitor.refreshQueues(this.now);
    this.view.now = this.now;
    const target = this.router.route(r, this.view);
    if (!Number.isInteger(target) || target < 0 || target >= this.instances.length || !this.views[target]?.available) {
      throw new InvariantError(`router '${this.router.name}' returned invalid instance ${target}`);
    }
    this.sendTo(target);
    (this.instances[target] as Instance).enqueue(id, this.now);
    this.kick(target);
    this.pullArrival();
  }

  /** Refines a request's prediction from its tokens so far (Trail); only policies that ask for it call this. */
  private readonly refiner = (id: number, generated: number): number => {
    const p = this.cfg.predictor;
    const initial = this.table.predictedOutput[id] as number;
    return p ? refinePrediction(p, this.featuresOf(id), initial, generated) : Math.max(initial, generated + 1);
  };

  private featuresOf(id: number): PredictionFeatures {
    const f = this.features;
    const t = this.table;
    f.promptTokens = t.prompt[id] as number;
    f.type = t.type[id] as number;
    const s = t.live.session[id & t.live.mask] as number;
    f.sessionId = s < 0 ? undefined : s;
    f.oracleOutputTokens = t.output[id] as number;
    return f;
  }

  private fillRouted(id: number): RoutedRequest {
    const r = this.routed;
    const t = this.table;
    r.id = id;
    r.arrival = t.arrival[id] as number;
    r.promptTokens = t.prompt[id] as number;
    r.type = t.typeNames[t.type[id] as number] as string;
    const s = t.live.session[id & t.live.mask] as number;
    r.sessionId = s < 0 ? undefined : s;
    r.predictedOutputTokens = t.predictedOutput[id] as number;
    r.prefixHashes = t.hashes[id];
    r.deadline = this.judge.deadlineOf(id);
    return r;
  }

  /** The one CompletionInfo object every completion fills (as `routed` for arrivals; a router copies what it keeps). */
  private readonly completedInfo: { -readonly [K in keyof CompletionInfo]: CompletionInfo[K] } = {
    id: 0,
    instance: 0,
    now: 0,
    arrival: 0,
    promptTokens: 0,
    outputTokens: 0,
    predictedOutputTokens: Number.NaN,
    firstTokenTime: 0,
    sloViolated: false,
    rejected: false,
  };

  private completionInfo(id: number, now: number, rejected: boolean): CompletionInfo {
    const t = this.table;
    const c = this.completedInfo;
    c.id = id;
    c.instance = t.instance[id] as number;
    c.now = now;
    c.arrival = t.arrival[id] as number;
    c.promptTokens = t.prompt[id] as number;
    c.outputTokens = t.output[id] as number;
    c.predictedOutputTokens = t.predictedOutput[id] as number;
    c.firstTokenTime = t.firstToken[id] as number;
    c.sloViolated = this.table.sloViolated[id] === 1;
    c.rejected = rejected;
    return c;
  }

  /**
   * A request was sent to instance i (routed or moved there): one more outstanding, one more since
   * the last report; `sinceReport` is covered by the view's stamp, so the view is touched.
   */
  private sendTo(i: number): void {
    (this.views[i] as MutableInstanceView).sinceReport++;
    this.stamps.touch(i);
    this.addOutstanding(i, 1);
  }

  /**
   * A view's `outstanding` changed by `delta`: the index follows. The stamps do not cover
   * `outstanding` (see `ViewStamps`), so a completion, which changes nothing else, leaves them be.
   */
  private addOutstanding(i: number, delta: number): void {
    const v = this.views[i] as MutableInstanceView;
    v.outstanding += delta;
    if (this.byOutstanding) this.byOutstanding.set(i, v.outstanding);
  }

  /** `argminAvailable(view, (v) => v.outstanding)` from the index (a scan only if the winner is unavailable). */
  private leastOutstanding(): number {
    let index = this.byOutstanding;
    if (!index) {
      index = new MinCountIndex(this.views.length);
      for (let i = 0; i < this.views.length; i++) index.set(i, (this.views[i] as MutableInstanceView).outstanding);
      this.byOutstanding = index;
    }
    const w = index.min;
    const views = this.views;
    if ((views[w] as MutableInstanceView).available) return w;
    let best = -1;
    for (let i = 0; i < views.length; i++) {
      const v = views[i] as MutableInstanceView;
      if (v.available && (best < 0 || v.outstanding < (views[best] as MutableInstanceView).outstanding)) best = i;
    }
    return best;
  }

  private kick(i: number): void {
    if ((this.instances[i] as Instance).busy || this.kicked[i]) return;
    this.kicked[i] = 1;
    this.q.push(this.now, KICK, KICK, i, 0);
  }

  private startIteration(i: number): void {
    const inst = this.instances[i] as Instance;
    // 0: nothing to run, the instance stays idle (`Instance.startIteration` refuses a zero duration).
    const dt = inst.startIteration(this.now);
    if (dt > 0 && !this.iterEnds.set(i, this.now + dt)) throw new InvariantError(`instance ${i} started an iteration while one was running`);
  }

  private onIterEnd(i: number): void {
    const inst = this.instances[i] as Instance;
    inst.finishIteration(this.now);
    if (this.movesPending > 0) this.drainPendingMoves(i);
    if (this.check) inst.checkInvariants();
    this.startIteration(i);
  }

  private onMonitor(): void {
    if (this.reports) this.monitor.report(this.now);
    const ts = this.cfg.timeSeriesIntervalS;
    if (ts !== undefined) this.series.record(this.now, this.instances, this.views);
    if (this.active) this.q.push(this.nextTick(this.reportEvery), MONITOR, MONITOR, 0, 0);
  }

  /**
   * When the next periodic event is due. While the cluster holds no request nothing changes until
   * the next arrival, so the ticks in between are skipped: the next one is the last period boundary
   * at or before that arrival (a report there sees exactly what the skipped ones would have). Idle
   * gaps of any length then cost nothing.
   */
  private nextTick(period: number): number {
    const next = this.now + period;
    if (this.inSystem > 0 || this.nextArrival === undefined) return next;
    const a = this.nextArrival.value.arrival;
    if (a <= next) return next;
    let k = Math.floor((a - this.now) / period);
    while (k > 1 && this.now + k * period > a) k--;
    return this.now + k * period;
  }

  private onController(k: number): void {
    const c = this.controllers[k] as Controller;
    this.view.now = this.now;
    c.tick(this.now, this);
    if (this.active) this.q.push(this.nextTick(c.intervalS), CONTROLLER, CONTROLLER, k, 0);
  }

  // ---- InstanceListener ----
  onFirstToken(_id: number, _now: number): void {}

  onComplete(id: number, now: number): void {
    const inst = this.table.instance[id] as number;
    this.addOutstanding(inst, -1);
    this.inSystem--;
    const violated = this.judge.violated(id);
    this.table.sloViolated[id] = violated ? 1 : 0;
    if (this.countsCompletions) this.monitor.recordCompletion(inst, violated);
    this.deadlines?.observe(this.table.predictedOutput[id] as number, this.table.output[id] as number);
    if (this.cfg.predictor) this.cfg.predictor.observe(this.featuresOf(id), this.table.output[id] as number);
    this.router.onComplete?.(this.completionInfo(id, now, false));
    this.cfg.onFinal?.(id, violated);
  }

  onHandoff(id: number, now: number, kv: number): void {
    const from = this.table.instance[id] as number;
    const policy = this.cfg.policy;
    if (!policy.routeDecode) throw new InvariantError(`instance ${from} is a prefill instance but router '${this.router.name}' has no routeDecode`);
    this.view.now = now;
    const to = policy.routeDecode(this.fillRouted(id), from, this.view);
    if (!Number.isInteger(to) || to < 0 || to >= this.instances.length || this.views[to]?.role === 'prefill') {
      throw new InvariantError(`router '${this.router.name}' sent a decode to invalid instance ${to}`);
    }
    const t = this.table;
    const cost = (kv * this.cfg.kvBytesPerToken) / this.cfg.interconnectBandwidth;
    t.instance[id] = to;
    this.addOutstanding(from, -1);
    this.sendTo(to);
    this.kvTransfers++;
    this.kvTransferSeconds += cost;
    this.q.push(now + cost, MIGRATION_DONE, MIGRATION_DONE, to, id);
  }

  onReject(id: number, now: number, reason: RejectReason): void {
    const inst = this.table.instance[id] as number;
    this.addOutstanding(inst, -1);
    this.inSystem--;
    this.rejected++;
    this.rejectedBy[reason] = (this.rejectedBy[reason] ?? 0) + 1;
    this.table.completion[id] = now;
    this.router.onComplete?.(this.completionInfo(id, now, true));
    this.cfg.onFinal?.(id, false);
  }

  onApiCall(id: number, now: number, durationS: number): void {
    this.q.push(now + durationS, API_RETURN, API_RETURN, this.table.instance[id] as number, id);
  }

  // ---- ClusterControl ----
  requestsOn(instance: number): RequestSnapshot[] {
    const out: RequestSnapshot[] = [];
    const t = this.table;
    const inst = this.instances[instance] as Instance;
    const add = (id: number, phase: RequestSnapshot['phase'], generated: number, kv: number): void => {
      out.push({
        id,
        instance,
        phase,
        arrival: t.arrival[id] as number,
        promptTokens: t.prompt[id] as number,
        generatedTokens: generated,
        kvTokens: kv,
        predictedOutputTokens: t.predictedOutput[id] as number,
        deadline: this.judge.deadlineOf(id),
      });
    };
    for (let i = 0; i < inst.waiting.size; i++) {
      const id = inst.waiting.idAt(i);
      add(id, 'waiting', inst.generatedOf(id), inst.kvOf(id));
    }
    for (let i = 0; i < inst.decode.count; i++) {
      const id = inst.decode.memberAt(i);
      add(id, 'decoding', inst.decode.generatedOf(id), inst.decode.kvOf(id));
    }
    for (const id of inst.skippedIds()) add(id, 'decoding', inst.generatedOf(id), inst.kvOf(id));
    for (const id of inst.prefillingIds()) add(id, 'prefilling', inst.generatedOf(id), inst.kvOf(id));
    out.sort((a, b) => a.id - b.id);
    return out;
  }

  migrationCost(id: number, mode: MigrationMode = 'stop-and-copy'): number {
    const t = this.table;
    const inst = this.instances[t.instance[id] as number] as Instance;
    const kv = inst.kvOf(id);
    if (kv === 0) return this.cfg.moveWaitingS;
    const copied = mode === 'live' ? Math.min(kv, this.cfg.instance.blockSize) : kv;
    return (copied * this.cfg.kvBytesPerToken) / this.cfg.interconnectBandwidth + this.cfg.migrationPauseS;
  }

  migrate(id: number, to: number, mode: MigrationMode = 'stop-and-copy'): boolean {
    const t = this.table;
    if (id < 0 || id >= t.count || to < 0 || to >= this.instances.length) return false;
    const st = t.state[id];
    if (st === ReqState.Done || st === ReqState.Rejected || st === ReqState.Migrating || st === ReqState.ApiCall) return false;
    const from = t.instance[id] as number;
    if (from === to || !this.views[to]?.available) return false;
    const src = this.instances[from] as Instance;
    if (src.inFlight(id)) {
      // Part of the iteration now running: it leaves at the iteration's end, as a live migration would.
      const pend = this.pendingMoves[from] as number[];
      for (let k = 0; k < pend.length; k += 3) if (pend[k] === id) return false;
      pend.push(id, to, mode === 'live' ? 1 : 0);
      this.movesPending++;
      return true;
    }
    this.executeMove(id, to, mode);
    return true;
  }

  private executeMove(id: number, to: number, mode: MigrationMode): void {
    const t = this.table;
    const from = t.instance[id] as number;
    const src = this.instances[from] as Instance;
    const cost = this.migrationCost(id, mode);
    const kv = src.detach(id);
    this.movingWithKv.set(id, kv > 0);
    t.state[id] = ReqState.Migrating;
    t.migrations[id] = (t.migrations[id] as number) + 1;
    this.addOutstanding(from, -1);
    this.sendTo(to);
    this.migrations++;
    this.migrationSeconds += cost;
    this.migratedBytes += kv * this.cfg.kvBytesPerToken;
    t.instance[id] = to;
    this.q.push(this.now + cost, MIGRATION_DONE, MIGRATION_DONE, to, id);
  }

  /** Carries out the moves requested while their requests were in the iteration that just ended. */
  private drainPendingMoves(from: number): void {
    const pend = this.pendingMoves[from] as number[];
    if (pend.length === 0) return;
    this.movesPending -= pend.length / 3;
    const t = this.table;
    for (let k = 0; k < pend.length; k += 3) {
      const id = pend[k] as number;
      const st = t.state[id];
      if (st === ReqState.Done || st === ReqState.Rejected || t.instance[id] !== from) continue;
      this.executeMove(id, pend[k + 1] as number, pend[k + 2] === 1 ? 'live' : 'stop-and-copy');
    }
    pend.length = 0;
  }

  /** Requests in transit between instances: whether their KV travels with them (absent: a phase-split handoff, always with KV). */
  private readonly movingWithKv = new Map<number, boolean>();

  private onMigrationDone(id: number, to: number): void {
    const withKv = this.movingWithKv.get(id) ?? true;
    this.movingWithKv.delete(id);
    (this.instances[to] as Instance).receive(id, withKv, this.now);
    this.kick(to);
  }

  private finalChecks(): void {
    const t = this.table;
    let done = 0;
    for (let id = 0; id < t.count; id++) {
      const s = t.state[id];
      if (s === ReqState.Done || s === ReqState.Rejected) done++;
    }
    if (done !== t.count || this.inSystem !== 0) {
      throw new InvariantError(`request conservation: ${t.count} arrived, ${done} finished, ${this.inSystem} still in system`);
    }
    for (const inst of this.instances) {
      const cached = inst.prefixCache ? inst.prefixCache.size : 0;
      if (inst.freeBlocks + cached !== this.cfg.instance.kvBlocks || (inst.prefixCache?.pinned ?? 0) !== 0 || inst.kv.hostFreeBlocks !== this.cfg.instance.hostKvBlocks) {
        throw new InvariantError(
          `instance ${inst.id} ends with ${inst.freeBlocks} free and ${cached} cached of ${this.cfg.instance.kvBlocks} KV blocks, ` +
            `${inst.kv.hostFreeBlocks} of ${this.cfg.instance.hostKvBlocks} host blocks free`,
        );
      }
    }
  }
}

/**
 * The report fields something in the run reads: the policy's (as declared), every one when the run
 * has controllers of its own (they declare nothing) or asks for reports regardless
 * (`alwaysReport`), and the time series'.
 */
function reportFieldsRead(cfg: ClusterConfig): readonly ReportField[] {
  if (cfg.alwaysReport === true || (cfg.controllers?.length ?? 0) > 0) return REPORT_FIELDS;
  const fields = new Set(reportFieldsOf(cfg.policy));
  if (cfg.timeSeriesIntervalS !== undefined) for (const f of TimeSeries.reads) fields.add(f);
  return [...fields];
}

function sumApiCalls(instances: readonly Instance[]): { preserve: number; discard: number; swap: number } {
  const out = { preserve: 0, discard: 0, swap: 0 };
  for (const i of instances) {
    out.preserve += i.apiStrategies.preserve;
    out.discard += i.apiStrategies.discard;
    out.swap += i.apiStrategies.swap;
  }
  return out;
}
