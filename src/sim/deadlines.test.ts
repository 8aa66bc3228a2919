import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimulateConfig } from '../run/config.js';
import { runSimulation } from '../run/simulate.js';

const base = {
  seed: 3,
  instances: 2,
  router: 'least-outstanding',
  workload: { preset: 'azure-conversation', load: 0.9, numRequests: 400 },
};

test("SLO mode 'deadline: gaps' judges each request against its own calibrated deadline", () => {
  const out = runSimulation(parseSimulateConfig({ ...base, predictor: 'noisy:0.2,bias=-0.3', slo: { deadline: 'gaps', deadlineSlack: 3 } }));
  const { table: t, judge, sloViolated } = out.result;
  let judged = 0;
  let violated = 0;
  const widths: [number, number][] = [];
  for (let id = 0; id < t.count; id++) {
    const d = judge.deadlineOf(id);
    assert.ok(Number.isFinite(d) && d > (t.arrival[id] as number), `request ${id} has a deadline after its arrival`);
    assert.equal(sloViolated[id] === 1, (t.completion[id] as number) > d, `request ${id} is judged against its deadline only`);
    judged++;
    violated += sloViolated[id] as number;
    widths.push([t.predictedOutput[id] as number, d - (t.arrival[id] as number)]);
  }
  assert.equal(judged, 400);
  assert.ok(violated > 0 && violated < judged, `violations ${violated}`);
  // Deadlines follow each request's own predicted size: the larger half of predictions gets longer ones.
  widths.sort((a, b) => a[0] - b[0]);
  const mean = (xs: [number, number][]) => xs.reduce((s, x) => s + x[1], 0) / xs.length;
  assert.ok(mean(widths.slice(200)) > 2 * mean(widths.slice(0, 200)));
  // The same run judged by the 5x slack rule gives a different verdict set (the modes are distinct).
  const slack = runSimulation(parseSimulateConfig({ ...base, predictor: 'noisy:0.2,bias=-0.3', slo: { e2eSlack: 3 } }));
  assert.notDeepEqual([...slack.result.sloViolated], [...sloViolated]);
});

test('deadline mode without a named predictor uses the default one', () => {
  const out = runSimulation(parseSimulateConfig({ ...base, slo: { deadline: 'gaps' } }));
  assert.equal(out.summary.predictor, 'linear');
});
