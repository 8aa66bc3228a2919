import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cliSupport.js';

/** The package as a user meets it: the exports map, the library API, what `npm pack` would ship. */
const root = repoRoot();

test("import('gaps') through the exports map runs an in-memory workload and returns plain per-request records", async () => {
  const g = await import('gaps');
  const config = g.parseSimulateConfig({ instances: 2, seed: 3 });
  const requests = Array.from({ length: 40 }, (_, i) => ({ arrival: i * 0.05, promptTokens: 100 + i, outputTokens: 20 + (i % 7), type: 'mem' }));
  const out = g.runSimulation(config, { requests });
  assert.equal(out.summary.arrived, 40);
  assert.equal(out.summary.completed, 40);
  const recs = g.requestRecords(out.result);
  assert.equal(recs.length, 40);
  const r = recs[5]!;
  assert.equal(Object.getPrototypeOf(r), Object.prototype, 'a plain object');
  assert.equal(r.promptTokens, 105);
  assert.ok(Math.abs(r.queueingS + r.prefillS + r.decodeS - r.e2eS) < 1e-9, 'phases add up to e2e');
  assert.ok(r.ttftS > 0 && r.e2eS >= r.ttftS);
  // A generator works too (consumed once, lazily).
  function* gen(): Generator<{ arrival: number; promptTokens: number; outputTokens: number; type: string }> {
    for (let i = 0; i < 10; i++) yield { arrival: i, promptTokens: 10, outputTokens: 5, type: 'gen' };
  }
  assert.equal(g.runSimulation(config, { requests: gen() }).summary.completed, 10);
  // Progress: told of arrivals as they are pulled, ending at the total.
  const seen: [number, number | undefined][] = [];
  g.runSimulation(g.parseSimulateConfig({ instances: 2, workload: { numRequests: 500 } }), { progress: (a, t) => seen.push([a, t]) });
  assert.deepEqual(seen.at(-1), [500, 500]);
  assert.ok(seen.length >= 50 && seen.every(([a, t]) => t === 500 && a <= 500));
  // Out-of-order requests are named by index.
  assert.throws(() => g.runSimulation(config, { requests: [requests[1]!, requests[0]!] }), /requests\[1\]\.arrival/);
});

test("require('gaps') works (Node >= 20.19 loads ES modules synchronously) or fails with Node's ESM message", () => {
  const r = spawnSync(process.execPath, ['-e', "const g = require('gaps'); process.stdout.write(typeof g.runSimulation)"], { cwd: root, encoding: 'utf8' });
  const [maj, min] = process.versions.node.split('.').map(Number) as [number, number];
  if (maj > 20 || (maj === 20 && min >= 19)) assert.equal(r.stdout, 'function', r.stderr);
  else assert.match(r.stderr, /ERR_REQUIRE_ESM|require\(\) of ES Module/);
});

test('the published files hold no tests, and the exports map names the entry and its types', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.exports['.'].default, './dist/src/index.js');
  assert.equal(pkg.exports['.'].types, './dist/src/index.d.ts');
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
  assert.ok(files.includes('dist/src/index.js'));
  assert.deepEqual(files.filter((f) => /\.test\.|testSupport|testData|\.bench\./.test(f)), []);
});
