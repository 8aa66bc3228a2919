import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, runCli, type CliRun, CLI } from './cliSupport.js';

/** End-to-end tests of the compiled CLI (run after `npm run build`, as `npm test` does). */
const root = repoRoot();
const dataDir = process.env.GAPS_DATA_DIR ?? join(root, '..', 'shared', 'data');
const convTrace = join(dataDir, 'azure-llm-2023', 'AzureLLMInferenceTrace_conv.csv');

const gaps = (...args: string[]): CliRun => runCli(args, { timeoutMs: 120_000 });

test('simulate --json prints the metrics object; the same command twice prints identical bytes', () => {
  const args = ['simulate', '--workload', 'azure-code', '--num-requests', '600', '--instances', '3', '--json', '--seed', '7'];
  const a = gaps(...args);
  assert.equal(a.code, 0, a.err);
  const s = JSON.parse(a.out);
  for (const k of ['completed', 'ttft', 'tpot', 'e2e', 'sloViolationRate', 'migrations', 'events', 'simTimeS']) assert.ok(k in s, k);
  for (const k of ['mean', 'p50', 'p90', 'p95', 'p99']) assert.equal(typeof s.e2e[k], 'number');
  assert.equal(s.completed, 600);
  assert.match(a.err, /events\/s/, 'wall-clock figures go to stderr');
  assert.equal(gaps(...args).out, a.out);
});

test('simulate names its perf model and error: calibrated where measured, a warning where not', () => {
  const base = ['simulate', '--workload', 'azure-code', '--num-requests', '200', '--instances', '2', '--json'];
  const small = gaps(...base);
  assert.equal(small.code, 0, small.err);
  assert.equal(JSON.parse(small.out).perfModel.note, 'uncalibrated roofline, expect about 30% error');
  assert.match(small.err, /perf model: uncalibrated roofline, expect about 30% error/);
  const big = gaps(...base, '--deployment', 'llama-2-70b/h100-80gb/tp8');
  assert.equal(big.code, 0, big.err);
  const pm = JSON.parse(big.out).perfModel;
  assert.equal(pm.calibrated, true);
  assert.ok(pm.heldOut.prefill.mape > 0 && pm.heldOut.decode.mape > 0);
  assert.match(big.err, /perf model: calibrated roofline \(built-in, llama-2-70b\/h100-80gb\/tp8\), held-out MAPE prefill/);
});

test('the issue command on the real trace prints identical bytes twice', { skip: !existsSync(convTrace) && 'Azure trace not found (set GAPS_DATA_DIR)' }, () => {
  const args = ['simulate', '--trace', convTrace, '--instances', '8', '--router', 'least-outstanding', '--json'];
  const a = gaps(...args);
  assert.equal(a.code, 0, a.err);
  assert.equal(JSON.parse(a.out).completed, 19366);
  assert.equal(gaps(...args).out, a.out);
});

test('simulate on the real conversation trace with GAPS and a noisy predictor', { skip: !existsSync(convTrace) && 'Azure trace not found (set GAPS_DATA_DIR)' }, () => {
  const r = gaps('simulate', '--trace', convTrace, '--instances', '8', '--router', 'gaps', '--predictor', 'noisy:0.2', '--json', '--duration', '300');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.ok(s.completed > 1000);
  assert.equal(s.predictor, 'noisy:0.2');
  assert.ok(s.policy.assignedByQueue + s.policy.assignedByPrediction === s.arrived);
});

test('user mistakes get one clear line and exit code 2, no stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['simulate', '--router', 'nope'], /unknown router 'nope'; valid: round-robin, random, least-outstanding/],
    [['simulate', '--deployment', 'llama-9/h100-80gb'], /unknown model 'llama-9'; valid: /],
    [['simulate', '--load', '-1'], /workload\.load/],
    [['simulate', '--rate', 'abc'], /--rate: expected a number, got 'abc'/],
    [['simulate', '--trace', '/nonexistent/file.csv'], /nonexistent\/file\.csv/],
    [['simulate', '--predictor', 'noisy'], /noisy:E/],
    [['reproduce', 'nope'], /unknown experiment 'nope'; valid: /],
  ];
  for (const [args, re] of cases) {
    const r = gaps(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
});

test('a malformed trace line is reported with file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-cli-'));
  try {
    const f = join(dir, 'bad.csv');
    writeFileSync(f, 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:47.0000000,abc,10\n');
    const r = gaps('simulate', '--trace', f, '--json');
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.csv:3: field 'ContextTokens'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--out writes summary, resolved config, per-request CSV and time series', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-out-'));
  try {
    const r = gaps('simulate', '--num-requests', '300', '--instances', '2', '--out', dir);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /TTFT/);
    const rows = readFileSync(join(dir, 'requests.csv'), 'utf8').trim().split('\n');
    assert.equal(rows.length, 301);
    assert.ok(JSON.parse(readFileSync(join(dir, 'resolved.json'), 'utf8')).instance.kvBlocks > 0);
    assert.ok(readFileSync(join(dir, 'timeseries.csv'), 'utf8').split('\n').length > 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--config gives the tree, typed flags override it, defaults of flags do not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-cfg-'));
  try {
    const cfg = join(dir, 'run.json');
    writeFileSync(cfg, JSON.stringify({ instances: 2, engine: { chunkedPrefill: false }, workload: { numRequests: 150 } }));
    const r = gaps('simulate', '--config', cfg, '--instances', '3', '--out', join(dir, 'o'));
    assert.equal(r.code, 0, r.err);
    const resolved = JSON.parse(readFileSync(join(dir, 'o', 'resolved.json'), 'utf8'));
    assert.equal(resolved.config.instances, 3);
    assert.equal(resolved.config.engine.chunkedPrefill, false);
    writeFileSync(cfg, JSON.stringify({ instances: 2, engine: { blockSize: -4 }, bogus: 1 }));
    const bad = gaps('simulate', '--config', cfg);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /engine\.blockSize/);
    assert.match(bad.err, /bogus/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reproduce gaps-regimes --quick writes the regime map: heatmaps, a paragraph per row, paired deltas', () => {
  const a = mkdtempSync(join(tmpdir(), 'gaps-reg-'));
  try {
    const r = gaps('reproduce', 'gaps-regimes', '--quick', '--out', a, '--workers', '2', '--data-dir', dataDir);
    assert.equal(r.code, 0, r.err);
    const html = readFileSync(join(a, 'report.html'), 'utf8');
    assert.match(html, /Why, row by row/);
    assert.match(html, /has the lowest P99/);
    assert.ok(existsSync(join(a, 'regimes-dp99.svg')) && existsSync(join(a, 'regimes-dviol.png')));
    const csv = readFileSync(join(a, 'regimes.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 1 + 2 * 12, 'two cells of twelve policies');
  } finally {
    rmSync(a, { recursive: true, force: true });
  }
});

test('reproduce gaps --quick writes the report with a filled claims table, identically for 1 and 2 workers', () => {
  const a = mkdtempSync(join(tmpdir(), 'gaps-rep-'));
  const b = mkdtempSync(join(tmpdir(), 'gaps-rep-'));
  try {
    const r1 = gaps('reproduce', 'gaps', '--quick', '--out', a, '--workers', '1', '--data-dir', dataDir);
    assert.equal(r1.code, 0, r1.err);
    const r2 = gaps('reproduce', 'gaps', '--quick', '--out', b, '--workers', '2', '--data-dir', dataDir);
    assert.equal(r2.code, 0, r2.err);
    const html = readFileSync(join(a, 'report.html'), 'utf8');
    assert.match(html, /Claims of the paper against our measurements/);
    assert.match(html, /<svg/);
    assert.equal(readFileSync(join(a, 'cells.csv'), 'utf8'), readFileSync(join(b, 'cells.csv'), 'utf8'));
    assert.ok(existsSync(join(a, 'fig3-code-p99.png')));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
