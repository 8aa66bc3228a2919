import { HeapPositions } from '../../model/indexedHeap.js';
import { Instance, type InstanceConfig, type InstanceListener } from '../../model/instance.js';
import type { BatchPolicy } from '../../model/batchPolicy.js';
import type { PerfModel } from '../../model/perfModel.js';
import { RequestTable } from '../../model/requestTable.js';

/**
 * The only file of src/live/ that touches `Instance`: a thin adapter exposing what the wall-clock
 * emulator needs (submit, cancel, iterate, token counts, gauges). When the instance model changes
 * shape, this file is the one to edit.
 */
export interface ModelEvents {
  onComplete(id: number, now: number): void;
  onReject(id: number, now: number): void;
}

export class EngineModel implements InstanceListener {
  private readonly table = new RequestTable(1024);
  private readonly inst: Instance;

  constructor(
    readonly cfg: InstanceConfig,
    perf: PerfModel,
    scheduler: BatchPolicy,
    private readonly events: ModelEvents,
  ) {
    this.inst = new Instance(0, cfg, perf, scheduler, this.table, new HeapPositions(1024), new HeapPositions(1024), this);
  }

  /** Adds a request to the waiting queue; returns its id. */
  submit(promptTokens: number, outputTokens: number, predictedOutputTokens: number, now: number): number {
    const id = this.table.add({ arrival: now, promptTokens, outputTokens, type: 'live' });
    this.table.predictedOutput[id] = predictedOutputTokens;
    this.inst.enqueue(id, now);
    return id;
  }

  get busy(): boolean {
    return this.inst.busy;
  }

  /** True when `id` cannot be taken out now (it is part of the running iteration). */
  locked(id: number): boolean {
    return this.inst.inFlight(id);
  }

  /** Takes a request out wherever it is (client gone); frees its KV. Call only when not `locked`. */
  cancel(id: number): void {
    this.inst.detach(id);
  }

  /** Forms and starts the next iteration; its duration in seconds, 0 when idle. */
  start(now: number): number {
    return this.inst.startIteration(now);
  }

  finish(now: number): void {
    this.inst.finishIteration(now);
  }

  /** Output tokens generated so far by a running request. */
  generated(id: number): number {
    return this.inst.generatedOf(id);
  }

  output(id: number): number {
    return this.table.output[id] as number;
  }

  preemptions(id: number): number {
    return this.table.preemptions[id] as number;
  }

  get waiting(): number {
    return this.inst.numWaiting;
  }
  get running(): number {
    return this.inst.numRunning;
  }
  get kvUsage(): number {
    return this.inst.usedBlocks / this.cfg.kvBlocks;
  }

  // InstanceListener
  onFirstToken(): void {}
  onComplete(id: number, now: number): void {
    this.events.onComplete(id, now);
  }
  onReject(id: number, now: number): void {
    this.events.onReject(id, now);
  }
  onHandoff(id: number): void {
    throw new Error(`emulated instance handed off request ${id}: the emulator runs mixed instances only`);
  }
  onApiCall(id: number): void {
    throw new Error(`emulated request ${id} started an API call: requests submitted over HTTP make none`);
  }
}
