import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliRun, CLI } from './cliSupport.js';

/** `gaps sweep` and `gaps capacity` end to end (compiled CLI). */

const gaps = (...args: string[]): CliRun => runCli(args);

test('a bad grid file is one clear message with the key path, exit 2, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-grid-'));
  try {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'base:\n  instances: 2\naxes:\n  workload.load: 0.5\n  router: [least-outstanding]\nzip: [[router, seed]]\n');
    const r = gaps('sweep', bad, '--out', join(dir, 'o'));
    assert.equal(r.code, 2);
    assert.match(r.err, /^gaps: error: invalid grid file '.*bad\.yaml':\n {2}axes\["workload\.load"\]: .*array/);
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gaps sweep writes the tidy table, the report and the resume store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-sweep-cli-'));
  try {
    const grid = join(dir, 'g.json');
    writeFileSync(grid, JSON.stringify({ base: { instances: 1, workload: { numRequests: 40 } }, axes: { 'workload.load': [0.5, 0.8], seed: [1, 2] }, metrics: ['ttft.p50', 'completed'] }));
    const out = join(dir, 'o');
    const a = gaps('sweep', grid, '--out', out, '--workers', '1');
    assert.equal(a.code, 0, a.err);
    const csv = readFileSync(join(out, 'table.csv'), 'utf8');
    assert.equal(csv.split('\n')[0], 'point,workload.load,seed,status,ttft.p50,completed,error,config_hash');
    assert.equal(csv.trim().split('\n').length, 5);
    assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<svg/);
    assert.match(readFileSync(join(out, 'points.jsonl'), 'utf8'), /"ok":true/, 'the resume store holds every point');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('gaps capacity --slo reports the bracket and every probe, all with the same seed', () => {
  const r = gaps('capacity', '--workload', 'azure-code', '--num-requests', '100', '--instances', '1', '--seed', '3', '--slo', 'ttft.p90<=0.5', '--tolerance', '0.1', '--json');
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out) as { axis: string; capacity: number; bracket: { lo: number; hi: number }; probes: { value: number; holds: boolean }[] };
  assert.equal(res.axis, 'load');
  assert.ok(res.probes.length >= 2);
  assert.equal(res.capacity, res.bracket.lo);
  assert.ok(res.probes.some((p) => p.value === res.bracket.lo && p.holds));
  assert.ok(res.probes.some((p) => p.value === res.bracket.hi && !p.holds));
});
