import type { Registry } from 'prom-client';
import type { PerfModel } from '../../model/perfModel.js';
import type { Controller } from '../../policies/controllers/controller.js';
import type { BackendState } from '../backend.js';
import type { Clock } from '../clock.js';
import type { LiveClusterView } from '../liveView.js';
import type { Endpoint, ParsedRequest } from '../openai.js';
import { notMovable } from './continuation.js';
import { ControllerLoop } from './controllerLoop.js';
import { StreamFlight } from './flight.js';
import { LiveClusterControl } from './liveControl.js';
import { MigrationCounters } from './migrations.js';
import { moveStream, type MoveHost } from './mover.js';

export interface LiveRebalancingParts {
  readonly registry: Registry;
  readonly view: LiveClusterView;
  readonly backends: readonly BackendState[];
  readonly clock: Clock;
  readonly perf: PerfModel;
  readonly controllers: readonly Controller[];
  readonly host: Omit<MoveHost, 'migrations'>;
  readonly overheadS: number;
}

/**
 * Everything `gaps serve --rebalance` adds to the gateway: the in-flight table as a `ClusterControl`,
 * the policy's controllers on the wall clock, the moves and their counters.
 */
export class LiveRebalancing {
  readonly migrations: MigrationCounters;
  readonly control: LiveClusterControl;
  private readonly loop: ControllerLoop;

  constructor(p: LiveRebalancingParts) {
    const migrations = new MigrationCounters(p.registry);
    const host: MoveHost = { ...p.host, migrations };
    this.migrations = migrations;
    this.control = new LiveClusterControl(p.view, p.backends, p.clock, p.perf, (f, to) => void moveStream(host, f, to), p.overheadS);
    this.loop = new ControllerLoop(p.controllers, this.control, p.clock, (c, e) =>
      process.stderr.write(`gaps serve: controller '${c.name}' failed (reported once): ${(e as Error)?.stack ?? String(e)}\n`),
    );
  }

  /** Enters a streamed request into the in-flight table, where the controllers can see and move it. */
  track(id: number, endpoint: Endpoint, body: Record<string, unknown>, parsed: ParsedRequest, arrival: number, predicted: number, headers: Record<string, string>, on: BackendState): StreamFlight {
    const f = new StreamFlight(id, endpoint, body, parsed, arrival, predicted, headers, notMovable(endpoint, parsed.body), on, this.migrations);
    this.control.add(f);
    return f;
  }

  /** The request is answered, however it ended: no move may start, one under way is abandoned (its target released). */
  untrack(f: StreamFlight): void {
    f.reason = 'finished';
    f.cancel('source-finished');
    this.control.remove(f);
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  state(): object {
    return {
      enabled: true,
      controllers: this.loop.controllers.map((c) => ({ name: c.name, intervalS: c.intervalS })),
      migrations: this.migrations.snapshot(),
    };
  }
}
