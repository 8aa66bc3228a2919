import { Registry } from '../../core/registry.js';
import type { InstanceScheduler } from '../../model/instanceScheduler.js';
import { fcfsScheduler } from './fcfs.js';

export type SchedulerFactory = (arg: string | undefined) => InstanceScheduler;

/** Instance-level scheduling policies by CLI name. */
export const schedulers = new Registry<SchedulerFactory>('scheduler').register(
  'fcfs',
  () => fcfsScheduler(),
  'first come, first served (vLLM default)',
);
