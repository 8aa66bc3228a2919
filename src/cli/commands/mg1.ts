import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { mg1, type Mg1Report, type Mg1Input } from '../../queueing/calculator.js';
import { mg1Policies } from '../../queueing/policies.js';
import { predictions } from '../../queueing/prediction.js';
import { services } from '../../queueing/service.js';
import type { CostModel } from '../../queueing/sim/costPolicies.js';
import { dispatchers } from '../../queueing/sim/dispatch.js';
import { int, num } from '../options.js';

function costModel(text: string): CostModel {
  if (text !== 'external' && text !== 'server') throw new ConfigError(`--cost-model must be 'external' or 'server', got '${text}'`);
  return text;
}

const list = (lines: string[]): string => lines.map((l) => `\n    ${l}`).join('');

/** The calculator's input as flags: distributions by name, plus --json. */
type Mg1Options = Omit<Mg1Input, 'service' | 'prediction'> & { service: string; prediction: string; json?: boolean };

function human(r: Mg1Report): string {
  const lines = [
    `${r.policy} at lambda ${r.lambda} (load ${r.load.toFixed(4)}${r.servers > 1 ? ` per server, ${r.servers} servers, ${r.dispatch}` : ''}), service ${r.service}, prediction ${r.prediction}`,
  ];
  if (r.threshold !== undefined) lines.push(`threshold T = ${r.threshold.toPrecision(6)} (${r.thresholdSource})`);
  if (r.limit !== undefined) lines.push(`limit L = ${r.limit}`);
  if (r.preemptionLimit !== undefined) lines.push(`preemption limit C = ${r.preemptionLimit}`);
  if (r.costModel) lines.push(`cost model ${r.costModel}, cheap cost ${r.cheapCost}, prediction cost ${r.predictionCost}`);
  if (r.exact) lines.push(`exact mean response time:     ${r.exact.meanResponseTime.toPrecision(10)}`);
  if (r.simulated) {
    const s = r.simulated;
    lines.push(
      `simulated mean response time: ${s.meanResponseTime.toPrecision(6)}  95% CI [${s.ci95[0].toPrecision(6)}, ${s.ci95[1].toPrecision(6)}]  (${s.jobs} jobs, seed ${s.seed})`,
    );
    if (s.meanCost !== undefined && s.costCi95) {
      lines.push(`simulated mean cost:          ${s.meanCost.toPrecision(6)}  95% CI [${s.costCi95[0].toPrecision(6)}, ${s.costCi95[1].toPrecision(6)}]`);
    }
  }
  if (r.note) lines.push(`note: ${r.note}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `gaps mg1`: the M/G/1 calculator. Names in --help come from the registries, so a new policy,
 * distribution or dispatcher appears here without touching this file. `write` is for tests.
 */
export function registerMg1Command(program: Command, write: (text: string) => void = (t) => process.stdout.write(t)): void {
  program
    .command('mg1')
    .description('Mean response time of an M/G/1 queue with predictions: exact where a formula exists, else simulated')
    .requiredOption('--policy <name>', `scheduling policy:${list(mg1Policies.describe())}`)
    .requiredOption('--lambda <rate>', 'arrival rate (total, over all servers)', num('--lambda'))
    .option('--service <spec>', `service-time distribution:${list(services.describe())}`, 'exp')
    .option('--prediction <spec>', `prediction model:${list(predictions.describe())}`, 'exp')
    .option('--threshold <T>', 'threshold on the predicted size (1-bit policies; default: the optimum, searched)', num('--threshold'))
    .option('--limit <L>', 'service limit before predicting (delaypredict; default: the mean size)', num('--limit'))
    .option('--preemption-limit <C>', 'trail: no preemption once attained service reaches C x the prediction (required for trail)', num('--preemption-limit'))
    .option('--cost-model <model>', "prediction costs: 'external' (added to the response time) or 'server' (server time)", costModel)
    .option('--cheap-cost <c1>', 'cost of a cheap 1-bit prediction (skippredict; default 0)', num('--cheap-cost'))
    .option('--prediction-cost <c2>', 'cost of a full prediction (skippredict, delaypredict; default 0)', num('--prediction-cost'))
    .option('--simulate', 'also simulate, reporting the estimate and its 95% interval')
    .option('--jobs <n>', 'simulated arrivals (default 1000000)', int('--jobs'))
    .option('--seed <s>', 'simulation seed (default 1)', int('--seed'))
    .option('--servers <k>', 'servers behind a dispatcher (simulation only; default 1)', int('--servers'))
    .option('--dispatch <spec>', `dispatcher for several servers:${list(dispatchers.describe())}`)
    .option('--json', 'print the report as JSON')
    .action((o: Mg1Options) => {
      const r = mg1({
        policy: o.policy,
        lambda: o.lambda,
        service: o.service,
        prediction: o.prediction,
        ...(o.threshold !== undefined ? { threshold: o.threshold } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.preemptionLimit !== undefined ? { preemptionLimit: o.preemptionLimit } : {}),
        ...(o.costModel !== undefined ? { costModel: o.costModel } : {}),
        ...(o.cheapCost !== undefined ? { cheapCost: o.cheapCost } : {}),
        ...(o.predictionCost !== undefined ? { predictionCost: o.predictionCost } : {}),
        ...(o.jobs !== undefined ? { jobs: o.jobs } : {}),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.servers !== undefined ? { servers: o.servers } : {}),
        ...(o.dispatch !== undefined ? { dispatch: o.dispatch } : {}),
        simulate: o.simulate === true,
      });
      write(o.json ? `${JSON.stringify(r)}\n` : human(r));
    });
}
