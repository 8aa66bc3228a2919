import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../core/errors.js';
import { expandGrid, parseGrid, parseGridText, pointLabel } from './grid.js';
import { planSweep } from './plan.js';

const base = { instances: 2, workload: { preset: 'azure-conversation', numRequests: 50 } };

test('the grid expands to the cartesian product, last axis fastest, with zipped axes moving together', () => {
  const g = parseGrid({
    base,
    axes: { router: ['a-router', 'b-router'], 'workload.load': [0.5, 0.9], 'workload.numRequests': [10, 20], seed: [1, 2] },
    zip: [['workload.load', 'workload.numRequests']],
  });
  const pts = expandGrid(g);
  assert.equal(pts.length, 2 * 2 * 2);
  assert.deepEqual(
    pts.map((p) => pointLabel(p.values)),
    [
      'router=a-router, workload.load=0.5, workload.numRequests=10, seed=1',
      'router=a-router, workload.load=0.5, workload.numRequests=10, seed=2',
      'router=a-router, workload.load=0.9, workload.numRequests=20, seed=1',
      'router=a-router, workload.load=0.9, workload.numRequests=20, seed=2',
      'router=b-router, workload.load=0.5, workload.numRequests=10, seed=1',
      'router=b-router, workload.load=0.5, workload.numRequests=10, seed=2',
      'router=b-router, workload.load=0.9, workload.numRequests=20, seed=1',
      'router=b-router, workload.load=0.9, workload.numRequests=20, seed=2',
    ],
  );
  const c = pts[2]?.config as Record<string, unknown>;
  assert.deepEqual(c.workload, { preset: 'azure-conversation', numRequests: 20, load: 0.9 });
  assert.equal(c.seed, 1);
  assert.equal(c.instances, 2);
  // The base is not shared between points.
  assert.notEqual(pts[0]?.config.workload, pts[1]?.config.workload);
});

test('exclusions drop every point matching all their keys', () => {
  const g = parseGrid({ base, axes: { router: ['x', 'y'], 'workload.load': [0.5, 0.9], seed: [1, 2] }, exclude: [{ router: 'y', 'workload.load': 0.9 }] });
  const pts = expandGrid(g);
  assert.equal(pts.length, 6);
  assert.ok(pts.every((p) => !(p.config.router === 'y' && p.config.workload?.load === 0.9)));
  assert.deepEqual(pts.map((p) => p.index), [0, 1, 2, 3, 4, 5]);
});

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected an error');
}

test('a bad grid is one message naming every key path at fault', () => {
  const m = message(() => parseGrid({ base, axes: { 'workload.load': 0.5, router: [] }, metrics: 'ttft' }, 'g.json'));
  assert.match(m, /g\.json/);
  assert.match(m, /axes\["workload\.load"\]: .*array/i);
  assert.match(m, /axes\.router: /);
  assert.match(m, /metrics: /);
  assert.match(message(() => parseGrid({ axes: { a: [1] }, extra: 1 })), /Unrecognized key.*extra/);
  assert.match(message(() => parseGrid({ axes: { a: [1, 2], b: [1] }, zip: [['a', 'b']] })), /zip\[0\]: .*equally many values.*a: 2, b: 1/);
  assert.match(message(() => parseGrid({ axes: { a: [1] }, zip: [['a', 'nope']] })), /zip\[0\]\[1\]: 'nope' is not an axis/);
  assert.match(message(() => parseGrid({ axes: { a: [1] }, exclude: [{ b: 1 }] })), /exclude\[0\]\["b"\]: not an axis/);
  assert.match(message(() => parseGrid({ axes: { workload: [{}], 'workload.load': [1] } })), /overlaps axis 'workload'/);
});

test('a point whose config is invalid names the point, its axis values and the config key', () => {
  const m = message(() => expandGrid(parseGrid({ base, axes: { instances: [2, 0], 'engine.maxNumSeqs': [8] } }), 'g.yaml'));
  assert.match(m, /g\.yaml': invalid point 1 \(instances=0, engine\.maxNumSeqs=8\)/);
  assert.match(m, /instances: /);
  assert.match(message(() => expandGrid(parseGrid({ axes: { 'engine.maxNumSeq': [8] } }))), /engine.*Unrecognized key.*maxNumSeq/s);
  assert.match(message(() => expandGrid(parseGrid({ axes: { router: ['x'] }, exclude: [{ router: 'x' }] }))), /every point is excluded/);
});

test('YAML and JSON grid files parse; a syntax error names the file and line', () => {
  const y = parseGridText('base:\n  instances: 2\naxes:\n  seed: [1, 2]\n', 'g.yaml');
  assert.deepEqual(y, { base: { instances: 2 }, axes: { seed: [1, 2] } });
  assert.match(message(() => parseGridText('axes:\n  seed: [1, 2\n', 'g.yml')), /g\.yml':\d+:\d+: not valid YAML/);
  assert.match(message(() => parseGridText('{"axes": ', 'g.json')), /g\.json.*not valid JSON/);
});

test('point ids hash the validated config and the version: equal configs share an id, versions do not', () => {
  const a = planSweep({ base, axes: { seed: [1, 2, 1] } }, 'v1');
  assert.equal(a.ids[0], a.ids[2]);
  assert.notEqual(a.ids[0], a.ids[1]);
  // Spelling out a default gives the same point.
  const b = planSweep({ base: { ...base, router: 'least-outstanding' }, axes: { seed: [1] } }, 'v1');
  assert.equal(b.ids[0], a.ids[0]);
  const c = planSweep({ base, axes: { seed: [1] } }, 'v2');
  assert.notEqual(c.ids[0], a.ids[0]);
  assert.match(a.ids[0] as string, /^p[0-9a-f]{40}$/);
});
