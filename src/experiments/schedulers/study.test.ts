import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gridCapacity } from './slai.js';
import { COMMON_METRICS, judgeRatio, ratios, studyExperiment, type StudyCell } from './study.js';

const cell = (policy: string, load: number, m: Record<string, number>): StudyCell => ({ regime: 'default', policy, load, metrics: m, perSeed: {} });

test('ratios pair policies by load; judgeRatio counts overloaded loads only towards "partly"', () => {
  const cells = [cell('base', 1, { x: 4 }), cell('ours', 1, { x: 2 }), cell('base', 2, { x: 30 }), cell('ours', 2, { x: 5 })];
  const r = ratios(cells, 'base', 'ours', 'x');
  assert.deepEqual(r, [{ load: 1, ratio: 2 }, { load: 2, ratio: 6 }]);
  assert.equal(judgeRatio('A', 'c', r, 5, 'w').verdict, 'holds');
  assert.equal(judgeRatio('A', 'c', r, 5, 'w', 1.5).verdict, 'partly holds', 'reached only past saturation');
  assert.equal(judgeRatio('A', 'c', [{ load: 1, ratio: 1.01 }], 5, 'w').verdict, 'does not hold');
  assert.equal(judgeRatio('A', 'c', [], 5, 'w').verdict, 'untestable');
});

test('SLAI capacity: highest load meeting the SLO, interpolated towards the first that fails', () => {
  const cells = [
    cell('p', 0.5, { ttftP50: 0.2, tbtP99: 0.05 }),
    cell('p', 0.6, { ttftP50: 0.4, tbtP99: 0.05 }),
    cell('p', 0.7, { ttftP50: 0.6, tbtP99: 0.05 }),
    cell('q', 0.5, { ttftP50: 0.2, tbtP99: 0.5 }),
  ];
  assert.ok(Math.abs((gridCapacity(cells, 'p') as number) - 0.65) < 1e-12);
  assert.equal(gridCapacity(cells, 'q'), undefined, 'never meets the TBT target');
});

test('a study runs its grid, judges its claims and writes its report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaps-study-'));
  try {
    const exp = studyExperiment({
      name: 'tiny',
      title: 'tiny study',
      summary: 'tiny',
      setup: ['two schedulers, one load'],
      base: () => ({ instances: 1, workload: { preset: 'azure-conversation', numRequests: 60 } }),
      policies: [
        { label: 'vllm', scheduler: 'vllm' },
        { label: 'sarathi', scheduler: 'sarathi:256' },
      ],
      loads: () => [0.5],
      regimes: [
        { key: 'b2', label: 'two sequences', engine: { maxNumSeqs: 2 }, loads: () => [0.3] },
        { key: 'short', label: 'two-token outputs', engine: {}, workload: { output: 'fixed:2' }, loads: () => [0.5] },
      ],
      seeds: () => 2,
      metrics: COMMON_METRICS,
      claims: (cells) => [judgeRatio('X', 'sarathi is faster', ratios(cells, 'vllm', 'sarathi', 'e2eMean'), 2, 'ratio')],
    });
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await exp.run({ outDir: dir, dataDir: dir, seed: 1, workers: 1, log: () => {}, quick: true });
    } finally {
      process.stdout.write = write;
    }
    const claims = JSON.parse(readFileSync(join(dir, 'claims.json'), 'utf8')) as { id: string; verdict: string }[];
    assert.equal(claims[0]?.id, 'X');
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as StudyCell[];
    assert.equal(results.length, 6, 'two policies in each of three regimes');
    assert.deepEqual([...new Set(results.map((c) => c.regime))].sort(), ['b2', 'default', 'short']);
    const e2e = (regime: string): number => results.find((c) => c.regime === regime && c.policy === 'vllm')?.metrics.e2eMean as number;
    assert.ok(e2e('short') < e2e('default') / 5, `a regime's workload replaces the study's (e2e ${e2e('short')} vs ${e2e('default')})`);
    assert.equal(results[0]?.perSeed.e2eMean?.length, 2, 'two seeds per cell');
    assert.ok(existsSync(join(dir, 'report.html')));
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /sarathi is faster/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
