import { parentPort } from 'node:worker_threads';
import type { SimulateInput } from '../run/config.js';
import { runPoint } from './point.js';

/** A thread of `PointPool`: runs each config it is sent and posts back its outcome. */
parentPort?.on('message', (config: SimulateInput) => {
  parentPort?.postMessage(runPoint(config));
});
