import type { InstanceScheduler } from '../../model/instanceScheduler.js';

/** vLLM's default: first come, first served by arrival time; preempted requests keep their place. */
export function fcfsScheduler(): InstanceScheduler {
  return { name: 'fcfs', preemptive: false, rank: (f) => f.arrival };
}
