import { Registry } from '../core/registry.js';
import type { Experiment } from './experiment.js';

export type { Experiment, ExperimentContext } from './experiment.js';

/**
 * An experiment whose module (its sweep, the simulator behind it, its charts) is imported only when
 * it runs, so that listing experiments, `gaps --help` and `import('gaps')` stay fast. The summary
 * is written here, beside the name.
 */
function lazy(summary: string, load: () => Promise<Experiment>): Experiment {
  return { summary, run: async (ctx) => (await load()).run(ctx) };
}

const headline = lazy('headline: GAPS against Splitwise, Llumnix, FlashGen (and least-outstanding) on the embedded default workload', async () => (await import('./compare.js')).compareExperiment);
const fig3 = lazy('GAPS Fig. 3: P99 latency and SLO violations vs cluster size, against Splitwise, Llumnix, FlashGen', async () => (await import('./gaps/gapsExperiments.js')).gapsFig3);
const fig4 = lazy('GAPS Fig. 4: ablations NoPred, NoRebal, NoGlobal', async () => (await import('./gaps/gapsExperiments.js')).gapsFig4);
const fig5 = lazy('GAPS Fig. 5: robustness to 0-40% prediction error, against NoPred', async () => (await import('./gaps/gapsExperiments.js')).gapsFig5);
const gapsAll = lazy('GAPS Figs. 3, 4 and 5 with the claims table', async () => (await import('./gaps/gapsExperiments.js')).gapsAll);
const regimes = lazy('GAPS regime map: max_num_seqs, output tail, load, KV, predictor error and bias; paired deltas against the best baseline, heatmaps', async () => (await import('./gaps/regimes.js')).gapsRegimes);
const slai = lazy('slai: SLAI against Sarathi-Serve (budgets 512 and 2048); claims of median TTFT and capacity under a TBT target', async () => (await import('./schedulers/slai.js')).slaiExperiment);
const trail = lazy('trail: Trail (SPRPT on refined predictions, limited preemption) against vLLM FCFS; claims of mean latency and TTFT', async () => (await import('./schedulers/trail.js')).trailExperiment);
const fastServe = lazy('fastserve: FastServe (skip-join MLFQ, lazy KV offload) against Orca and vLLM; claims of average and tail job completion time', async () => (await import('./schedulers/fastserve.js')).fastServeExperiment);
const lamps = lazy('lamps: LAMPS (predicted memory-time ranking, API-aware KV handling) against INFERCEPT and vLLM; claims of e2e latency and TTFT', async () => (await import('./schedulers/lamps.js')).lampsExperiment);
const survey = lazy("Survey Tables 1-3 (M/G/1 with predictions): the paper's values vs exact formulas vs simulation", async () => (await import('./surveyTables.js')).surveyTablesExperiment);

/** `gaps reproduce NAME`: one entry per paper table or figure set. */
export const experiments = new Registry<Experiment>('experiment')
  .register('headline', headline, headline.summary)
  .register('gaps-fig3', fig3, fig3.summary)
  .register('gaps-fig4', fig4, fig4.summary)
  .register('gaps-fig5', fig5, fig5.summary)
  .register('gaps', gapsAll, gapsAll.summary)
  .register('gaps-regimes', regimes, regimes.summary)
  .register('survey-tables', survey, survey.summary)
  .register('slai', slai, slai.summary)
  .register('trail', trail, trail.summary)
  .register('fastserve', fastServe, fastServe.summary)
  .register('lamps', lamps, lamps.summary);
