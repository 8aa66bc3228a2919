import type { ClusterView } from '../clusterView.js';

/** A request as a controller (rebalancer) may see it; no true output length. */
export interface RequestSnapshot {
  readonly id: number;
  readonly instance: number;
  /** 'waiting' | 'prefilling' | 'decoding' */
  readonly phase: 'waiting' | 'prefilling' | 'decoding';
  readonly arrival: number;
  readonly promptTokens: number;
  readonly generatedTokens: number;
  readonly kvTokens: number;
  readonly predictedOutputTokens: number;
  /** The request's absolute deadline when the run judges one (SLO mode `deadline: gaps`); absent otherwise. */
  readonly deadline?: number;
}

/**
 * 'stop-and-copy' (default): the request stops while its whole KV crosses the interconnect.
 * 'live' (Llumnix): the KV is copied in stages while the request keeps decoding on the source, so it
 * stops only for the fixed pause plus the last stage (one KV block); the bytes are still counted.
 */
export type MigrationMode = 'stop-and-copy' | 'live';

/** What a periodic controller may do: look, and move requests. */
export interface ClusterControl {
  readonly view: ClusterView;
  /** Requests currently on an instance (waiting or running). */
  requestsOn(instance: number): RequestSnapshot[];
  /**
   * Moves a request to another instance. A waiting request without KV moves for a fixed small cost;
   * a running one is stopped, its KV copied over the interconnect (bytes / bandwidth + a fixed
   * pause), and it resumes on the target without recomputation. Returns false when the move is not
   * possible now (the request is in an iteration in flight, already moving, or done).
   */
  migrate(id: number, to: number, mode?: MigrationMode): boolean;
  /** Seconds the request would be stopped by a migration now. */
  migrationCost(id: number, mode?: MigrationMode): number;
}

/** A periodic cluster-level policy (rebalancing, autoscaling). Runs every `intervalS` of simulated time. */
export interface Controller {
  readonly name: string;
  readonly intervalS: number;
  tick(now: number, ctl: ClusterControl): void;
}
