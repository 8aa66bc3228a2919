import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson, configHash } from '../src/run/provenance.js';
import { repoRoot, runCli, type CliRun } from './cliSupport.js';

const root = repoRoot();

const gaps = (cwd: string, env: Record<string, string>, ...args: string[]): CliRun => runCli(args, { cwd, env });

test('gaps --version prints the package version', () => {
  const v = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const r = gaps(root, {}, '--version');
  assert.equal(r.code, 0);
  assert.equal(r.out.trim(), v);
});

test('config hashes ignore key order and see every value', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } }), '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}');
  assert.equal(configHash({ a: 1, b: 2 }), configHash({ b: 2, a: 1 }));
  assert.notEqual(configHash({ a: 1, b: 2 }), configHash({ a: 1, b: 3 }));
});

test('--out files carry provenance with relative paths; config.json runs again to the same metrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-prov-'));
  try {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const args = ['simulate', '--num-requests', '120', '--instances', '2', '--seed', '4', '--json'];
    const a = gaps(dir, env, ...args, '--out', join(dir, 'a'));
    assert.equal(a.code, 0, a.err);
    const s = JSON.parse(readFileSync(join(dir, 'a', 'summary.json'), 'utf8'));
    assert.equal(s.provenance.seed, 4);
    assert.equal(s.provenance.date, '2023-11-14T22:13:20.000Z');
    assert.match(s.provenance.command, /^gaps simulate .* --out a$/, 'the path relative to where it ran');
    assert.match(s.provenance.configHash, /^[0-9a-f]{16}$/);
    assert.ok(!readFileSync(join(dir, 'a', 'resolved.json'), 'utf8').includes(dir), 'no absolute local path');
    const b = gaps(dir, env, 'simulate', '--config', join(dir, 'a', 'config.json'), '--json');
    assert.equal(b.code, 0, b.err);
    assert.equal(b.out, a.out, 'the written config reproduces the run');
    // Same command, fixed date: byte-identical files.
    assert.equal(gaps(dir, env, ...args, '--out', join(dir, 'c')).code, 0);
    const c = JSON.parse(readFileSync(join(dir, 'c', 'summary.json'), 'utf8'));
    assert.deepEqual({ ...c, provenance: { ...c.provenance, command: '' } }, { ...s, provenance: { ...s.provenance, command: '' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reproduce --quick writes its own folder, prints results and the report path on stdout, progress on stderr', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-repro-'));
  try {
    const r = gaps(dir, { SOURCE_DATE_EPOCH: '1700000000' }, 'reproduce', 'headline', '--quick', '--workers', '1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^policy\s+P99 e2e/m, 'the table on stdout');
    assert.match(r.out, /^report: out\/headline-quick\/report\.html$/m, 'the report path (relative) on stdout');
    assert.doesNotMatch(r.out, /simulating/, 'progress stays on stderr');
    const prov = JSON.parse(readFileSync(join(dir, 'out', 'headline-quick', 'provenance.json'), 'utf8'));
    assert.equal(prov.command, 'gaps reproduce headline --quick --workers 1');
    const results = JSON.parse(readFileSync(join(dir, 'out', 'headline-quick', 'results.json'), 'utf8'));
    assert.equal(results.provenance.date, '2023-11-14T22:13:20.000Z');
    assert.ok(readFileSync(join(dir, 'out', 'headline-quick', 'report.html'), 'utf8').includes('gaps reproduce headline --quick'), 'the report carries its provenance');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
