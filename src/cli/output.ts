import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Distribution } from '../stats/quantile.js';
import { describeSlos } from '../sim/slo.js';
import type { RunOutput } from '../run/simulate.js';
import type { Provenance } from '../run/provenance.js';
import { RequestsCsvWriter } from './requestsCsv.js';

function row(label: string, d: Distribution, scale: number, digits: number): string {
  const f = (x: number): string => (Number.isFinite(x) ? (x * scale).toFixed(digits) : '-').padStart(10);
  return `  ${label.padEnd(18)}${f(d.mean)}${f(d.p50)}${f(d.p90)}${f(d.p99)}\n`;
}

/** The human-readable result of `gaps simulate`. */
export function formatSummary(out: RunOutput): string {
  const s = out.summary;
  const r = out.resolved;
  const c = r.config;
  const rate = r.rate !== undefined ? `${r.rate.toFixed(2)} req/s` : 'trace timestamps';
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  let text = '';
  text += `gaps simulate: ${r.workloadDescription}\n`;
  text += `  cluster: ${c.instances} x ${c.deployment} (${c.perfModel}), router ${c.router}, scheduler ${c.scheduler}\n`;
  text += `  arrivals: ${rate}; nominal capacity ${r.capacityPerInstance.toFixed(2)} req/s per instance; KV ${r.instance.kvBlocks} blocks of ${r.instance.blockSize}\n\n`;
  text += `  ${''.padEnd(18)}${'mean'.padStart(10)}${'p50'.padStart(10)}${'p90'.padStart(10)}${'p99'.padStart(10)}\n`;
  text += row('TTFT (s)', s.ttft, 1, 3);
  text += row('TPOT (ms)', s.tpot, 1000, 1);
  text += row('TBT (ms)', s.tbt, 1000, 1);
  text += row('E2E latency (s)', s.e2e, 1, 3);
  text += row('queueing (s)', s.queueingDelay, 1, 3);
  text += `\n  completed ${s.completed} of ${s.arrived}`;
  if (s.rejected) text += ` (${s.rejected} rejected: prompt larger than KV cache)`;
  text += `; SLO violations ${pct(s.sloViolationRate)}; goodput ${s.goodputRps.toFixed(2)} req/s\n`;
  text += `  SLOs judged: ${describeSlos(s.slo)}\n`;
  if (s.prefixCache) text += `  prefix cache: ${s.prefixCache.hitRate === null ? 'no lookups' : `${pct(s.prefixCache.hitRate)} of ${s.prefixCache.queriedBlocks} prompt blocks hit`}\n`;
  text += `  throughput ${s.throughput.requestsPerS.toFixed(2)} req/s, ${s.throughput.outputTokensPerS.toFixed(0)} output tok/s; `;
  text += `utilisation ${pct(s.utilization.mean)} (min ${pct(s.utilization.min)}, max ${pct(s.utilization.max)})\n`;
  text += `  preemptions ${s.preemptions}; migrations ${s.migrations}; ${s.events} events over ${s.simTimeS.toFixed(1)} s simulated\n`;
  return text;
}

/** The files `writeRunFiles` writes (checked before a run by prepareOutDir). */
export const RUN_FILES = ['summary.json', 'config.json', 'resolved.json', 'requests.csv', 'timeseries.csv'] as const;

function write(dir: string, name: string, text: string): void {
  try {
    writeFileSync(join(dir, name), text);
  } catch (e) {
    throw new ConfigError(`--out: cannot write '${join(dir, name)}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The requests.csv writer to pass to `runSimulation` so the rows stream to disk during the run (into a prepared `dir`). */
export function openRequestsCsv(dir: string): RequestsCsvWriter {
  return new RequestsCsvWriter(join(dir, 'requests.csv'));
}

/**
 * Writes summary.json and resolved.json (each with the run's provenance), config.json (the config
 * tree alone, loadable again with --config), timeseries.csv and, unless it was `streamed` during the
 * run (see `openRequestsCsv`), requests.csv into `dir`, which prepareOutDir has checked before the run.
 */
export function writeRunFiles(dir: string, out: RunOutput, provenance: Provenance, streamed = false): void {
  write(dir, 'summary.json', `${JSON.stringify({ provenance, ...out.summary }, null, 2)}\n`);
  write(dir, 'config.json', `${JSON.stringify(out.resolved.config, null, 2)}\n`);
  write(dir, 'resolved.json', `${JSON.stringify({ provenance, ...out.resolved }, null, 2)}\n`);
  if (!streamed) openRequestsCsv(dir).end(out.result.table, out.result.sloViolated);
  const ts = out.result.timeSeries;
  // Column names of vLLM's gauges (vllm:num_requests_waiting, ...); kv_cache_usage_perc is a fraction in [0, 1] as in vLLM.
  // Written in chunks of about 1 MB: a run of millions of requests has millions of samples, and one
  // string of them all would be a spike of hundreds of MB at the end of the run.
  const path = join(dir, 'timeseries.csv');
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new ConfigError(`--out: cannot write '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    let chunk = 'time_s,instance,num_requests_waiting,num_requests_running,kv_cache_usage_perc,utilization\n';
    for (let i = 0; i < ts.length; i++) {
      chunk += `${ts.time[i]},${ts.instance[i]},${ts.waiting[i]},${ts.running[i]},${ts.kvUsage[i]},${ts.utilization[i]}\n`;
      if (chunk.length >= 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}
