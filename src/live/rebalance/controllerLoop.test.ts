import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterControl, Controller } from '../../policies/controllers/controller.js';
import { ControllerLoop } from './controllerLoop.js';

test('controllers tick on the wall clock with its time; one that throws is reported once and keeps its schedule', async () => {
  let now = 0;
  const clock = { now: () => now };
  const ctl = {} as ClusterControl;
  const seen: number[] = [];
  let failures = 0;
  const good: Controller = { name: 'good', intervalS: 0.01, tick: (t, c) => (assert.equal(c, ctl), seen.push(t)) };
  const bad: Controller = {
    name: 'bad',
    intervalS: 0.01,
    tick: () => {
      failures++;
      throw new Error('boom');
    },
  };
  const reported: string[] = [];
  const loop = new ControllerLoop([good, bad], ctl, clock, (c) => reported.push(c.name));
  loop.start();
  for (let i = 1; i <= 5; i++) {
    now = i;
    await new Promise((r) => setTimeout(r, 15));
  }
  loop.stop();
  const ticks = seen.length;
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(ticks >= 3, `ticked ${ticks} times`);
  assert.equal(seen.length, ticks, 'nothing ticks after stop');
  assert.ok(seen.every((t, i) => i === 0 || t >= (seen[i - 1] as number)), 'times from the clock, in order');
  assert.ok(failures >= 3, 'the failing controller kept its schedule');
  assert.deepEqual(reported, ['bad'], 'reported once');
});
