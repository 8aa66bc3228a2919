/**
 * Speed of the calculator and the simulator (a benchmark, not a test):
 *   npx tsx src/queueing/mg1.bench.ts
 * Prints milliseconds per exact answer (each on a fresh model, so the cumulative fits are rebuilt)
 * and simulated jobs per second.
 */
import { mg1 } from './calculator.js';
import { mg1Policies } from './policies.js';

function time<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const v = f();
  return [v, performance.now() - t0];
}

mg1({ policy: 'sprpt', lambda: 0.5 }); // warm the JIT
for (const service of ['exp', 'weibull']) {
  for (const policy of mg1Policies.names().filter((n) => mg1Policies.get(n).exact)) {
    const preemptionLimit = mg1Policies.get(policy).usesPreemptionLimit ? 0.5 : undefined;
    const [r, ms] = time(() => mg1({ policy, lambda: 0.8, service, prediction: 'exp', preemptionLimit }));
    console.log(`exact ${policy.padEnd(13)} ${service.padEnd(8)} ${ms.toFixed(1).padStart(7)} ms  E[T] = ${r.meanResponseTime.toFixed(6)}`);
  }
}
for (const policy of ['fifo', 'sprpt', '1bit-preempt', 'sprpt-bounce', 'skippredict', 'delaypredict']) {
  const jobs = 1_000_000;
  const [, ms] = time(() => mg1({ policy, lambda: 0.8, simulate: true, jobs, threshold: policy.includes('1bit') || policy === 'skippredict' ? 1.5 : undefined }));
  console.log(`simulate ${policy.padEnd(13)} ${(jobs / ms / 1000).toFixed(2)} M jobs/s (${ms.toFixed(0)} ms for ${jobs} jobs)`);
}
