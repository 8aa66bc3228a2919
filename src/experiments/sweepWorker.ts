import { parentPort } from 'node:worker_threads';
import type { SimulateInput } from '../run/config.js';
import { runJob, userErrorFields } from './sweep.js';

/** Worker thread of `runSweep`: runs the jobs it is sent, one at a time, and posts back summaries. */
parentPort?.on('message', (m: { i: number; config: SimulateInput }) => {
  try {
    parentPort?.postMessage({ i: m.i, summary: runJob(m.config) });
  } catch (e) {
    parentPort?.postMessage({ i: m.i, error: e instanceof Error ? e.message : String(e), ...userErrorFields(e) });
  }
});
