import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { int, num } from '../src/cli/options.js';
import { prepareOutDir } from '../src/cli/outDir.js';
import { csvRow } from '../src/core/csv.js';
import { headlineConfig } from '../src/experiments/compare.js';
import { runSweep } from '../src/experiments/sweep.js';
import { routers } from '../src/policies/routers/registry.js';
import { parseSimulateConfig, type SimulateInput } from '../src/run/config.js';
import { prepare, runSimulation } from '../src/run/simulate.js';
import { buildWorkload } from '../src/workload/build.js';
import { parseLengthSpec } from '../src/workload/specs.js';
import { Rng } from '../src/kernel/rng.js';
import { roundRobinRouter } from '../src/policies/routers/roundRobin.js';
import { Simulation } from '../src/sim/simulation.js';
import { clusterConfig } from './helpers.js';
import { runCli, type CliRun, CLI } from './cliSupport.js';

/**
 * The reproducers of issue 17 ("nothing hangs, nothing wraps, nothing lies"). Where the CLI is the
 * point (exit code 2, one message, no stack trace, checks before a run) through the compiled CLI;
 * the rest in process, through the same library calls the CLI makes, to keep the suite fast.
 */

const gaps = (...args: string[]): CliRun => runCli(args, { timeoutMs: 30_000 });

function userError(args: string[], re: RegExp): { ms: number; err: string } {
  const r = gaps(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.err}`);
  assert.match(r.err, re, args.join(' '));
  assert.match(r.err, /^gaps: error: /m, 'one message');
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  return r;
}

/** Asserts `fn` throws a user error (ConfigError or InputError) whose message matches. */
function rejects(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: Error) => {
    assert.ok(e.name === 'ConfigError' || e.name === 'InputError', `${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

const run = (input: SimulateInput) => runSimulation(parseSimulateConfig(input));

const dir = mkdtempSync(join(tmpdir(), 'gaps-rel-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const HEAD = 'TIMESTAMP,ContextTokens,GeneratedTokens';

test('item 3: token counts above 2^30 are rejected at the reader and the length specs, never wrapped', () => {
  userError(['simulate', '--trace', file('wrap_out.csv', `${HEAD}\n2023-11-16 18:00:00.0,10,1000000000000\n`)], /wrap_out\.csv:2: field 'GeneratedTokens': 1000000000000 tokens is above the supported maximum/);
  rejects(() => run({ workload: { trace: file('wrap_in.csv', `${HEAD}\n2023-11-16 18:00:00.0,4294967396,5\n`) } }), /wrap_in\.csv:2: field 'ContextTokens': 4294967396 tokens/);
  rejects(() => parseLengthSpec('fixed:3000000000', 'workload.prompt'), /'fixed:3000000000' has a mean of 3000000000 tokens; at most 1073741824/);
});

test('item 4: every period is > 0 with a floor', () => {
  userError(['simulate', '--router', 'gaps:checkIntervalS=0', '--num-requests', '20'], /router 'gaps': option 'checkIntervalS': expected a period of at least 0\.001 s, got 0/);
  rejects(() => parseSimulateConfig({ reportIntervalS: 1e-9 }), /reportIntervalS: expected a period of at least 0\.001 s/);
  rejects(() => parseSimulateConfig({ timeSeriesIntervalS: 0 }), /timeSeriesIntervalS/);
  assert.equal(parseSimulateConfig({ reportIntervalS: 0 }).reportIntervalS, 0, '0 still means live reports');
});

test('item 5: idle gaps of a year cost nothing; time series only when asked', () => {
  const year = file('year.csv', `${HEAD}\n2023-01-01 00:00:00,100,10\n2024-01-01 00:00:00,100,10\n2024-01-31 00:00:00,100,10\n`);
  for (const router of ['least-outstanding', 'gaps', 'llumnix']) {
    const t0 = performance.now();
    const out = run({ workload: { trace: year }, router });
    assert.equal(out.summary.completed, 3);
    assert.ok(out.summary.events < 2000, `${router}: ${out.summary.events} events`);
    assert.ok(performance.now() - t0 < 5000, router);
    assert.equal(out.result.timeSeries.length, 0, 'no time series unless asked');
  }
  const sampled = run({ workload: { trace: year }, timeSeriesIntervalS: 1 });
  assert.ok(sampled.result.timeSeries.length > 0 && sampled.result.timeSeries.length < 500, `${sampled.result.timeSeries.length} samples`);
});

test('item 6: the M/G/1 calculator refuses with exit 2 rather than print an impossible number', () => {
  userError(['mg1', '--policy', 'srpt', '--lambda', '0.5', '--service', 'weibull:0.02', '--prediction', 'exact'], /gave -4\.8.*, below E\[S\] = 1\), and a simulation cannot resolve/);
});

test('item 7: a bad trace row is the same typed error for 1 and 2 workers', async () => {
  const bad = file('bad7.csv', `${HEAD}\n2023-11-16 18:00:00.0,100,10\n2023-11-16 18:00:01.0,abc,10\n`);
  const jobs = [1, 2, 3].map((seed) => ({ labels: { seed }, config: { seed, workload: { trace: bad } } }));
  const errors = await Promise.all(
    [1, 2].map((workers) => runSweep(jobs, { workers }).then(() => assert.fail('no error'), (e: Error) => `${e.name}: ${e.message}`)),
  );
  assert.match(errors[0] as string, /^InputError: .*bad7\.csv:3: field 'ContextTokens'/);
  assert.equal(errors[1], errors[0]);
});

test('item 8: setting one SLO keeps the default end-to-end slack', () => {
  assert.equal(parseSimulateConfig({ slo: {} }).slo.e2eSlack, 5);
  assert.equal(parseSimulateConfig({ slo: { ttftS: 100 } }).slo.e2eSlack, 5);
  assert.equal(parseSimulateConfig({ slo: { e2eSlack: 2 } }).slo.e2eSlack, 2);
  const base: SimulateInput = { instances: 2, workload: { numRequests: 400, load: 1.3 } };
  const a = run(base).summary.sloViolationRate;
  const b = run({ ...base, slo: { ttftS: 100 } }).summary.sloViolationRate;
  assert.ok(a > 0.1, `violations at 130% load: ${a}`);
  assert.equal(b, a);
});

test('items 9, 14 and 17: outputs are checked before running, never overwritten without --force, links not followed; CSV quoted', () => {
  userError(['simulate', '--num-requests', '20', '--out', '/etc/passwd'], /--out: '\/etc\/passwd' exists and is not a directory/);
  const proc = userError(['simulate', '--num-requests', '20', '--out', '/proc/x/y'], /--out: cannot create directory '\/proc\/x'/);
  assert.ok(proc.ms < 10_000);
  const out = join(dir, 'out17');
  const t = file('t14.csv', `${HEAD}\n2023-11-16 18:00:00.0,10,3\n`);
  const first = gaps('simulate', '--trace', t, '--trace-type', 'a,b"c', '--out', out);
  assert.equal(first.code, 0, first.err);
  assert.match(readFileSync(join(out, 'requests.csv'), 'utf8').split('\n')[1] as string, /,"a,b""c",/);
  const refused = userError(['simulate', '--num-requests', '1000000', '--out', out], /already holds summary\.json.*pass --force/);
  assert.ok(refused.ms < 10_000, 'refused before running');
  const files = ['summary.json', 'requests.csv'];
  assert.doesNotThrow(() => prepareOutDir(out, files, true));
  rmSync(join(out, 'requests.csv'));
  const victim = file('victim.txt', 'keep me');
  symlinkSync(victim, join(out, 'requests.csv'));
  rejects(() => prepareOutDir(out, files, true), /refusing to overwrite .*requests\.csv': it is a symbolic link/);
  symlinkSync(out, join(dir, 'linked-out'));
  rejects(() => prepareOutDir(join(dir, 'linked-out'), files, true), /is a symbolic link; give the directory itself/);
  assert.equal(csvRow(['x', 1, 'a\nb', '']), 'x,1,"a\nb",');
  mkdirSync(join(dir, 'adir.csv'));
  rejects(() => run({ workload: { trace: join(dir, 'adir.csv') } }), /workload\.trace: not a regular file/);
});

test('item 11: the headline experiment takes its seed from --seed', () => {
  assert.equal(headlineConfig('gaps', true, 7).seed, 7);
  assert.equal(headlineConfig('gaps', true).seed, 1);
});

test('item 12: a deployment with no room for KV is a config error', () => {
  rejects(() => prepare(parseSimulateConfig({ engine: { gpuMemoryUtilization: 0.01 } })), /leaves no room for one KV block after the weights/);
  rejects(() => parseSimulateConfig({ engine: { blockSize: 3_000_000_000 } }), /engine\.blockSize/);
});

test('item 15: messages say what the user gave', () => {
  assert.equal(run({ workload: { trace: file('bom.jsonl', '\uFEFF{"timestamp":0,"input_length":3,"output_length":5}\r\n') } }).summary.completed, 1);
  rejects(() => run({ workload: { trace: file('inf.jsonl', '{"timestamp":1e400,"input_length":3,"output_length":5}\n') } }), /got a number too large to represent/);
  rejects(() => run({ workload: { trace: file('cr.csv', `${HEAD}\n2023-11-16 18:00:00.0,10\r,5\n`) } }), /got '10\\r'/);
  rejects(() => prepare(parseSimulateConfig({ workload: { load: 1e308 } })), /workload\.load 1e\+308: gives an arrival rate of Infinity/);
  rejects(() => parseLengthSpec('lognormal:100,50', 'workload.prompt'), /workload\.prompt: 'lognormal:100,50' has a mean of Infinity tokens/);
  rejects(() => routers.get('splitwise')({ rng: new Rng('test'), numInstances: 1, arg: undefined }), /needs at least 2 instances, got 1/);
  rejects(() => buildWorkload({ trace: file('empty.jsonl', '') }, 1), /empty\.jsonl:1: field '\(file\)': the trace has no requests/);
});

test('item 16: numbers are exact decimal text', () => {
  userError(['simulate', '--instances', '0x10'], /--instances: expected an integer, got '0x10'/);
  rejects(() => int('--seed')(''), /--seed: expected an integer, got ''/);
  rejects(() => int('--seed')('9007199254740993'), /beyond the exactly representable integers/);
  rejects(() => num('--rate')('Infinity'), /--rate: expected a number/);
  rejects(() => num('--rate')('1e400'), /--rate: expected a number/);
  assert.equal(num('--rate')(' 2.5e1 '), 25);
  assert.equal(int('--seed')('007'), 7);
});

test('item 18: configs are frozen all the way down; request specs are checked where they enter the engine', () => {
  const config = parseSimulateConfig({});
  assert.throws(() => {
    (config.engine as { kvBlocks?: number }).kvBlocks = -5;
  }, TypeError);
  assert.throws(() => {
    (config.slo as { e2eSlack: number }).e2eSlack = 0;
  }, TypeError);
  const cfg = clusterConfig({ router: roundRobinRouter({ rng: new Rng('r'), numInstances: 1, arg: undefined }) });
  const spec = { arrival: 0, promptTokens: 10, outputTokens: 5, type: 't' };
  const cases: [Partial<typeof spec>, RegExp][] = [
    [{ arrival: Number.NaN }, /request 1: field 'arrival': expected a finite number of seconds >= 0, got NaN/],
    [{ arrival: Number.POSITIVE_INFINITY }, /field 'arrival'.*got Infinity/],
    [{ outputTokens: -5 }, /request 1: field 'outputTokens': expected an integer in \[1, 1073741824\], got -5/],
    [{ promptTokens: 2 ** 31 }, /field 'promptTokens'/],
    [{ outputTokens: 2.5 }, /field 'outputTokens'/],
  ];
  for (const [bad, re] of cases) {
    const t0 = performance.now();
    rejects(() => new Simulation(cfg).run([spec, { ...spec, ...bad }][Symbol.iterator]()), re);
    assert.ok(performance.now() - t0 < 2000);
  }
  rejects(() => runSimulation({ ...parseSimulateConfig({}), instances: 0 } as never), /instances/);
});

test('the issue commands themselves, through the CLI: year-long gap, worker errors, no KV room, duplicate hashes', () => {
  const year = file('year-cli.csv', `${HEAD}\n2023-01-01 00:00:00,100,10\n2024-01-01 00:00:00,100,10\n`);
  const y = gaps('simulate', '--trace', year, '--json');
  assert.equal(y.code, 0, y.err);
  assert.equal(JSON.parse(y.out).completed, 2);
  assert.ok(y.ms < 10_000, `${y.ms} ms`);
  const data = join(dir, 'data');
  mkdirSync(join(data, 'azure-llm-2023'), { recursive: true });
  const rows = Array.from({ length: 40 }, (_, i) => `2023-11-16 18:00:${String(i).padStart(2, '0')}.0,${i === 4 ? 'abc' : 100},10`);
  for (const f of ['AzureLLMInferenceTrace_code.csv', 'AzureLLMInferenceTrace_conv.csv']) writeFileSync(join(data, 'azure-llm-2023', f), `${HEAD}\n${rows.join('\n')}\n`);
  const errs = ['1', '2'].map((w) => userError(['reproduce', 'gaps-fig3', '--quick', '--workers', w, '--data-dir', data, '--out', join(dir, `fig3-${w}`)], /AzureLLMInferenceTrace_\w+\.csv:6: field 'ContextTokens'/));
  assert.equal(errs[1]?.err.split('\n').find((l) => l.startsWith('gaps: error:')), errs[0]?.err.split('\n').find((l) => l.startsWith('gaps: error:')));
  userError(['simulate', '--gpu-memory-utilization', '0.01', '--num-requests', '20'], /leaves no room for one KV block after the weights/);
  userError(['simulate', '--prefix-caching', '--trace', file('dup.jsonl', '{"timestamp":0,"input_length":4096,"output_length":5,"hash_ids":[7,7,7,7,7,7,7,7]}\n')], /dup\.jsonl:1: field 'hash_ids': element 1: 7 repeats/);
});
