import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { registerMg1Command } from '../cli/commands/mg1.js';
import { ConfigError } from '../core/errors.js';

/** Runs `gaps mg1 ...args` in-process and returns what it printed. */
async function gaps(args: string[]): Promise<string> {
  let out = '';
  const program = new Command().name('gaps').exitOverride();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  registerMg1Command(program, (s) => (out += s));
  await program.parseAsync(['node', 'gaps', 'mg1', ...args]);
  return out;
}

test('gaps mg1 --json prints the report with every input echoed', async () => {
  const r = JSON.parse(await gaps(['--policy', 'spjf', '--lambda', '0.8', '--service', 'exp', '--prediction', 'exp', '--json']));
  assert.equal(r.policy, 'spjf');
  assert.equal(r.lambda, 0.8);
  assert.equal(r.service, 'exp');
  assert.equal(r.prediction, 'exp');
  assert.equal(typeof r.meanResponseTime, 'number');
  assert.deepEqual(Object.keys(r).slice(0, 3), ['policy', 'lambda', 'meanResponseTime']);
});

test('--simulate --jobs --seed add the estimate; 1-bit reports its threshold', async () => {
  const r = JSON.parse(await gaps(['--policy', '1bit-preempt', '--lambda', '0.6', '--simulate', '--jobs', '20000', '--seed', '3', '--json']));
  assert.equal(r.simulated.jobs, 20000);
  assert.equal(r.simulated.seed, 3);
  assert.equal(r.thresholdSource, 'optimal');
  const t = JSON.parse(await gaps(['--policy', '1bit', '--lambda', '0.6', '--threshold', '0.7', '--json']));
  assert.equal(t.threshold, 0.7);
  const text = await gaps(['--policy', 'delaypredict', '--lambda', '0.6', '--jobs', '20000']);
  assert.match(text, /simulated/);
});

test('--help lists policies, distributions and dispatchers from the registries', async () => {
  await assert.rejects(gaps(['--help']), (e: unknown) => (e as { code?: string }).code === 'commander.helpDisplayed');
  const program = new Command().name('gaps').exitOverride();
  registerMg1Command(program);
  const help = program.commands.find((c) => c.name() === 'mg1')?.helpInformation() ?? '';
  for (const name of ['sprpt-bounce', '1bit-preempt', 'skippredict', 'delaypredict', 'weibull', 'uniform', 'pod-1bit', 'pod-work']) {
    assert.match(help, new RegExp(name));
  }
});

test('argument mistakes surface as ConfigErrors naming the option', async () => {
  const bad: [string[], RegExp][] = [
    [['--policy', 'spjf', '--lambda', 'fast'], /--lambda/],
    [['--policy', 'spjf', '--lambda', '1.0'], /--lambda/],
    [['--policy', 'spjf', '--lambda', '0.5', '--prediction', 'uniform:2'], /--prediction/],
    [['--policy', 'spjf', '--lambda', '0.5', '--service', 'weibull:0'], /--service/],
    [['--policy', 'sjf2', '--lambda', '0.5'], /--policy/],
    [['--policy', '1bit', '--lambda', '0.5', '--threshold', 'x'], /--threshold/],
    [['--policy', 'sprpt', '--lambda', '0.5', '--simulate', '--jobs', '2.5'], /--jobs/],
    [['--policy', 'skippredict', '--lambda', '0.5', '--cost-model', 'cloud'], /--cost-model/],
  ];
  for (const [args, pattern] of bad) {
    await assert.rejects(gaps(args), (e: unknown) => e instanceof ConfigError && pattern.test(e.message), args.join(' '));
  }
});
