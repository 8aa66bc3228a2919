import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { Job, Queue } from 'bullmq';
import { LocalRunner } from '../src/sweep/localRunner.js';
import { planSweep, runSweepPlan } from '../src/sweep/plan.js';
import { runPoint } from '../src/sweep/point.js';
import { parseQueueUrl } from '../src/sweep/queue/connection.js';
import { QueueRunner } from '../src/sweep/queue/queueRunner.js';
import { startQueueWorker, type QueueWorkerHandle } from '../src/sweep/queue/queueWorker.js';
import { MemoryStore } from '../src/sweep/runner.js';
import { tableToCsv, tableToJson } from '../src/sweep/table.js';
import { redisUnavailable, startRedis, type TestRedis } from './redisServer.js';
import { CLI } from './cliSupport.js';

/**
 * The distributed runner against a real Redis (Debian's redis-server on a loopback port, started
 * and stopped here; skipped with the reason when it cannot be had). Every test is bounded in time.
 */
const skip = redisUnavailable() ?? false;
let redis: TestRedis | undefined;
before(async () => {
  if (!skip) redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

const VERSION = 'gaps@0.1.0';

/** The grid: 2 policies x 3 loads x 2 seeds. */
const GRID = {
  base: { instances: 2, workload: { preset: 'azure-conversation', numRequests: 80 } },
  axes: { router: ['least-outstanding', 'round-robin'], 'workload.load': [0.5, 0.7, 0.9], seed: [1, 2] },
  metrics: ['ttft.p50', 'ttft.p99', 'tpot.p50', 'e2e.p99', 'sloAttainment'],
};

function workers(url: string, n: number, log?: (l: string) => void): QueueWorkerHandle[] {
  return Array.from({ length: n }, () => startQueueWorker(parseQueueUrl(url), { concurrency: 1, version: VERSION, ...(log ? { log } : {}) }));
}

test('the same grid gives byte-identical tables with 1 local worker, 2 local workers and 2 queue workers', { skip, timeout: 60_000 }, async () => {
  const plan = planSweep(GRID, VERSION);
  const local1 = await runSweepPlan(plan, new LocalRunner(1), new MemoryStore());
  const two = new LocalRunner(2);
  const local2 = await runSweepPlan(plan, two, new MemoryStore());
  await two.close();
  const url = `${redis?.url}?queue=identical`;
  const ws = workers(url, 2);
  const runner = new QueueRunner(parseQueueUrl(url), VERSION, { pollMs: 100 });
  try {
    const queued = await runSweepPlan(plan, runner, new MemoryStore());
    assert.equal(local1.table.failed, 0);
    assert.equal(tableToCsv(local2.table), tableToCsv(local1.table));
    assert.equal(tableToCsv(queued.table), tableToCsv(local1.table));
    assert.equal(tableToJson(queued.table), tableToJson(local1.table));
    // The parent job collected every point's outcome under its id.
    const q = new Queue('identical', { connection: parseQueueUrl(url).connection });
    const parents = (await q.getJobs(['completed'])).filter((j) => j.name === 'collect');
    await q.close();
    assert.equal(parents.length, 1);
    assert.deepEqual(Object.keys(parents[0]?.returnvalue as object).sort(), [...plan.ids].sort());
    // A second sweep finds every point finished in Redis and runs nothing.
    const again = await runSweepPlan(plan, runner, new MemoryStore());
    assert.equal(tableToCsv(again.table), tableToCsv(local1.table));
  } finally {
    await runner.close();
    await Promise.all(ws.map((w) => w.close()));
  }
});

test('a throwing point and a point a worker refuses are recorded as failed; the rest goes on', { skip, timeout: 30_000 }, async () => {
  const url = `${redis?.url}?queue=failing`;
  const ws = workers(url, 1);
  const plan = planSweep({ base: GRID.base, axes: { 'workload.preset': ['azure-code', 'no-such-preset'] }, metrics: ['completed'] }, VERSION);
  const other = planSweep({ base: GRID.base, axes: { seed: [5] }, metrics: ['completed'] }, 'gaps@9.9.9');
  const runner = new QueueRunner(parseQueueUrl(url), VERSION, { pollMs: 100 });
  const alien = new QueueRunner(parseQueueUrl(url), 'gaps@9.9.9', { pollMs: 100, attempts: 1 });
  try {
    const r = await runSweepPlan(plan, runner, new MemoryStore());
    const rows = JSON.parse(tableToJson(r.table)) as Record<string, unknown>[];
    assert.deepEqual(rows.map((x) => x.status), ['ok', 'failed']);
    assert.equal(rows[0]?.completed, 80);
    assert.match(String(rows[1]?.error), /unknown preset 'no-such-preset'/);
    const a = await runSweepPlan(other, alien, new MemoryStore());
    assert.equal(a.table.failed, 1);
    assert.match(String(a.table.rows[0]?.[a.table.columns.indexOf('error')]), /job failed after 1 attempt.*made by gaps@9\.9\.9, this worker runs gaps@0\.1\.0/);
  } finally {
    await Promise.all([runner.close(), alien.close(), ...ws.map((w) => w.close())]);
  }
});

/** A `gaps worker` process; `lines` collects its log. */
function spawnWorker(url: string, lockMs: number): { proc: ChildProcess; lines: string[]; ready: Promise<void> } {
  const proc = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--lock-duration', String(lockMs)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  const ready = new Promise<void>((resolve) => {
    proc.stderr?.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.some((l) => l.includes(' on redis://'))) resolve();
    });
  });
  return { proc, lines, ready };
}

test('a worker killed mid-point: its job is retried by the other worker after the lock expires, and counted once', { skip, timeout: 60_000 }, async () => {
  const url = `${redis?.url}?queue=killed`;
  const plan = planSweep({ base: { instances: 2, workload: { preset: 'azure-conversation', numRequests: 800, load: 0.8 } }, axes: { seed: [11, 12, 13] }, metrics: ['completed', 'e2e.p99'] }, VERSION);
  const a = spawnWorker(url, 1000);
  const b = spawnWorker(url, 1000);
  const runner = new QueueRunner(parseQueueUrl(url), VERSION, { pollMs: 100 });
  try {
    await Promise.all([a.ready, b.ready]);
    const run = runSweepPlan(plan, runner, new MemoryStore());
    // Kill worker A the moment it starts a point.
    const killed = await new Promise<string>((resolve) => {
      const t = setInterval(() => {
        const start = a.lines.find((l) => l.includes('start '));
        if (!start) return;
        clearInterval(t);
        a.proc.kill('SIGKILL');
        resolve((/start (\S+)/.exec(start) as RegExpExecArray)[1] as string);
      }, 5);
    });
    const r = await run;
    assert.equal(r.table.failed, 0);
    assert.equal(r.table.rows.length, 3);
    assert.ok(!a.lines.some((l) => l.includes(`done ${killed}`)), 'A died before finishing its point');
    assert.ok(b.lines.some((l) => l.includes(`start ${killed}`)), 'B ran the killed point');
    // Every point finished (at least once: a starved lock could legitimately rerun one) and is one row.
    const dones = [...a.lines, ...b.lines].filter((l) => l.includes('done '));
    for (const id of plan.ids) assert.ok(dones.some((l) => l.includes(`done ${id}`)), `${id} finished`);
    const hashes = r.table.rows.map((row) => row[r.table.columns.indexOf('config_hash')]);
    assert.deepEqual(hashes, plan.ids, 'one row per point, none lost, none duplicated');
    const q = new Queue('killed', { connection: parseQueueUrl(url).connection });
    const job = await Job.fromId(q, killed);
    await q.close();
    assert.ok((job?.stalledCounter ?? 0) >= 1, 'the killed job was moved back as stalled');
    // The retried point's result is what a local run gives.
    const i = plan.ids.indexOf(killed);
    const local = runPoint(plan.points[i]?.config ?? {});
    assert.deepEqual(local.ok && local.metrics.e2e, (job?.returnvalue as { metrics: { e2e: unknown } }).metrics.e2e);
  } finally {
    a.proc.kill('SIGKILL');
    b.proc.kill('SIGTERM');
    await runner.close();
    await new Promise((r) => (b.proc.exitCode !== null ? r(null) : b.proc.once('exit', r)));
  }
});

test('Redis restarted empty mid-sweep: the sweep resumes, finished points are kept and not run again', { skip, timeout: 60_000 }, async () => {
  const url = `${redis?.url}?queue=restart`;
  const log: string[] = [];
  const ws = workers(url, 1, (l) => log.push(l));
  const plan = planSweep({ base: GRID.base, axes: { seed: [21, 22, 23, 24, 25, 26] }, metrics: ['completed', 'e2e.p99'] }, VERSION);
  const runner = new QueueRunner(parseQueueUrl(url), VERSION, { pollMs: 100 });
  try {
    const store = new MemoryStore();
    let restarted: Promise<void> | undefined;
    const before = new Set<string>();
    const r = await runSweepPlan(plan, runner, store, (done) => {
      if (done >= 2 && !restarted) {
        for (const id of plan.ids) if (store.get(id)) before.add(id);
        restarted = redis?.restart();
      }
    });
    await restarted;
    assert.ok(before.size >= 2);
    assert.equal(r.table.failed, 0);
    const local = await runSweepPlan(plan, new LocalRunner(1), new MemoryStore());
    assert.equal(tableToCsv(r.table), tableToCsv(local.table));
    for (const id of before) assert.equal(log.filter((l) => l.startsWith(`start ${id}`)).length, 1, `${id} ran once`);
  } finally {
    await runner.close();
    await Promise.all(ws.map((w) => w.close()));
  }
});

test('Redis restarted with its append-only file: finished points survive in Redis and a new client reruns none', { skip, timeout: 60_000 }, async () => {
  const persistent = await startRedis({ persist: true });
  const url = `${persistent.url}?queue=aof`;
  const log: string[] = [];
  const ws = workers(url, 1, (l) => log.push(l));
  const plan = planSweep({ base: GRID.base, axes: { seed: [31, 32, 33] }, metrics: ['completed'] }, VERSION);
  try {
    const first = new QueueRunner(parseQueueUrl(url), VERSION, { pollMs: 100 });
    const a = await runSweepPlan(plan, first, new MemoryStore());
    await first.close();
    const started = log.filter((l) => l.startsWith('start ')).length;
    await persistent.restart();
    const second = new QueueRunner(parseQueueUrl(url), VERSION, { pollMs: 100 });
    const b = await runSweepPlan(plan, second, new MemoryStore());
    await second.close();
    assert.equal(tableToCsv(b.table), tableToCsv(a.table));
    assert.equal(log.filter((l) => l.startsWith('start ')).length, started, 'nothing ran again');
  } finally {
    await Promise.all(ws.map((w) => w.close()));
    await persistent.stop();
  }
});
