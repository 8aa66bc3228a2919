import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../core/errors.js';
import { RandomStreams } from '../kernel/rng.js';
import type { RequestSpec } from '../model/request.js';
import { parseSimulateConfig } from '../run/config.js';
import { apiCallProblem, apiCallProfiles, parseApiCallSpec, poisson } from './apiCalls.js';
import { buildWorkload } from './build.js';
import { take } from './testSupport.js';

const within = (actual: number, expected: number, relTol: number, what: string): void =>
  assert.ok(Math.abs(actual / expected - 1) <= relTol, `${what}: ${actual} vs ${expected} (±${relTol * 100}%)`);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('API-augmented requests', () => {
  const n = 60_000;
  const rs = take(buildWorkload({ preset: 'sharegpt', numRequests: n, apiCalls: 'infercept' }, 7).make());

  it('every request gets well-formed calls of one kind', () => {
    for (const r of rs) {
      assert.equal(apiCallProblem(r), undefined);
      assert.ok(r.apiCalls && r.apiCalls.length >= 1, 'sharegpt outputs are long enough for a call');
      assert.equal(new Set(r.apiCalls.map((c) => c.kind)).size, 1);
    }
  });

  it('kinds have equal shares and the profile means (calls, durations, returned tokens)', () => {
    const types = apiCallProfiles.get('infercept').types;
    for (const t of types) {
      const mine = rs.filter((r) => r.apiCalls?.[0]?.kind === t.kind);
      within(mine.length / n, 1 / types.length, 0.05, `${t.kind} share`);
      // Outputs of 200+ tokens never truncate the call count (at most 1 + Poisson(27) calls).
      const roomy = mine.filter((r) => r.outputTokens > 200);
      within(mean(roomy.map((r) => r.apiCalls!.length)), t.meanCalls, 0.03, `${t.kind} calls per request`);
      const calls = mine.flatMap((r) => r.apiCalls!);
      within(mean(calls.map((c) => c.durationS)), t.meanDurationS, 0.03, `${t.kind} duration`);
      within(mean(calls.map((c) => c.returnTokens)), t.meanReturnTokens, 0.03, `${t.kind} returned tokens`);
    }
  });

  it('adds calls without changing arrivals or lengths; same seed, same calls', () => {
    const plain = take(buildWorkload({ preset: 'sharegpt', numRequests: 2000 }, 7).make());
    const again = take(buildWorkload({ preset: 'sharegpt', numRequests: 2000, apiCalls: 'infercept' }, 7).make());
    assert.deepEqual(
      again.map(({ apiCalls: _a, ...rest }) => rest),
      plain,
    );
    assert.deepEqual(again, rs.slice(0, 2000));
  });

  it('positions are uniform over the output: the mean relative position is about 1/2', () => {
    const rel = rs.flatMap((r) => r.apiCalls!.map((c) => c.afterTokens / r.outputTokens));
    assert.ok(Math.abs(mean(rel) - 0.5) < 0.01, `mean relative position ${mean(rel)}`);
  });

  it('a subset keeps only the listed kinds; short outputs get as many calls as fit', () => {
    const sub = take(buildWorkload({ preset: 'alpaca', numRequests: 5000, apiCalls: 'infercept:ve,tts' }, 3).make());
    for (const r of sub) {
      assert.equal(apiCallProblem(r), undefined);
      if (r.outputTokens === 1) assert.equal(r.apiCalls, undefined);
      else assert.ok(r.apiCalls!.length <= r.outputTokens - 1 && ['ve', 'tts'].includes(r.apiCalls![0]!.kind));
    }
    const model = parseApiCallSpec('infercept:ve', 'k');
    const rng = new RandomStreams(1).stream('t');
    assert.equal(model.sample(rng, 1), undefined);
    assert.deepEqual(model.sample(rng, 2)?.map((c) => c.afterTokens), [1]);
  });

  it('bad specs are ConfigErrors naming workload.apiCalls and the valid names', () => {
    const bad: [string, RegExp][] = [
      ['toolformer', /workload\.apiCalls: unknown API-call profile 'toolformer'; valid: infercept/],
      ['infercept:math,sql', /unknown type\(s\) 'sql'; valid types: math, qa, ve, chatbot, image, tts/],
      ['infercept:math,math', /listed twice/],
      ['infercept:', /empty type/],
    ];
    for (const [spec, re] of bad) {
      assert.throws(() => buildWorkload({ preset: 'alpaca', apiCalls: spec }, 1), (e: unknown) => e instanceof ConfigError && re.test(e.message), spec);
    }
    assert.equal(parseSimulateConfig({ workload: { apiCalls: 'infercept' } }).workload.apiCalls, 'infercept');
  });

  it('the checker names the field that breaks the promised shape', () => {
    const base: RequestSpec = { arrival: 0, promptTokens: 5, outputTokens: 10, type: 't' };
    const call = { afterTokens: 3, durationS: 1, returnTokens: 2, kind: 'qa' };
    assert.equal(apiCallProblem({ ...base, apiCalls: [call, { ...call, afterTokens: 9 }] }), undefined);
    assert.match(apiCallProblem({ ...base, apiCalls: [{ ...call, afterTokens: 10 }] }) ?? '', /apiCalls\[0\]\.afterTokens/);
    assert.match(apiCallProblem({ ...base, apiCalls: [call, call] }) ?? '', /apiCalls\[1\]\.afterTokens must exceed/);
    assert.match(apiCallProblem({ ...base, apiCalls: [{ ...call, durationS: -1 }] }) ?? '', /durationS/);
    assert.match(apiCallProblem({ ...base, apiCalls: [{ ...call, returnTokens: 0 }] }) ?? '', /returnTokens/);
    assert.match(apiCallProblem({ ...base, apiCalls: [{ ...call, kind: '' }] }) ?? '', /kind/);
  });

  it('poisson has the right mean and variance', () => {
    const rng = new RandomStreams(2).stream('p');
    const xs = Array.from({ length: 50_000 }, () => poisson(rng, 6.5));
    const m = mean(xs);
    within(m, 6.5, 0.02, 'mean');
    within(mean(xs.map((x) => (x - m) ** 2)), 6.5, 0.04, 'variance');
  });
});
