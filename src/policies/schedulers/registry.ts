import { ConfigError } from '../../core/errors.js';
import { Registry } from '../../core/registry.js';
import type { InstanceScheduler } from '../../model/instanceScheduler.js';
import { fcfsScheduler } from './fcfs.js';
import { rankScheduler } from './rankScheduler.js';

export type SchedulerFactory = (arg: string | undefined) => InstanceScheduler;

function noArg(name: string, arg: string | undefined): void {
  if (arg !== undefined) throw new ConfigError(`scheduler '${name}' takes no argument, got '${arg}'`);
}

/** Instance-level scheduling policies by CLI name. A new policy adds its file and one line here. */
export const schedulers = new Registry<SchedulerFactory>('scheduler')
  .register('fcfs', (a) => (noArg('fcfs', a), fcfsScheduler()), 'first come, first served (vLLM default)')
  .register('spjf', (a) => (noArg('spjf', a), rankScheduler('spjf', 'spjf', false, undefined)), 'shortest predicted output first, non-preemptive')
  .register('pspjf', (a) => (noArg('pspjf', a), rankScheduler('pspjf', 'spjf', true, undefined)), 'shortest predicted output first, preemptive')
  .register('sprpt', (a) => (noArg('sprpt', a), rankScheduler('sprpt', 'sprpt', true, undefined)), 'shortest predicted remaining output first, preemptive')
  .register('sprpt-bounce', (a) => (noArg('sprpt-bounce', a), rankScheduler('sprpt-bounce', 'sprpt-bounce', true, undefined)), 'SPRPT with bounce: |prediction - generated|, preemptive')
  .register('1bit', (a) => rankScheduler('1bit', '1bit', false, a), '1bit:T, predicted short (<= T tokens) before long, non-preemptive')
  .register('1bit-preempt', (a) => rankScheduler('1bit-preempt', '1bit', true, a), '1bit-preempt:T, the same, preemptive');
