import { Registry } from '../core/registry.js';
import type { Experiment } from './experiment.js';
import { compareExperiment } from './compare.js';
import { gapsAll, gapsFig3, gapsFig4, gapsFig5 } from './gaps/gapsExperiments.js';
import { gapsRegimes } from './gaps/regimes.js';
import { fastServeExperiment } from './schedulers/fastserve.js';
import { lampsExperiment } from './schedulers/lamps.js';
import { slaiExperiment } from './schedulers/slai.js';
import { trailExperiment } from './schedulers/trail.js';
import { surveyTablesExperiment } from './surveyTables.js';

export type { Experiment, ExperimentContext } from './experiment.js';

/** `gaps reproduce NAME`: one entry per paper table or figure set. */
export const experiments = new Registry<Experiment>('experiment')
  .register('headline', compareExperiment, compareExperiment.summary)
  .register('gaps-fig3', gapsFig3, gapsFig3.summary)
  .register('gaps-fig4', gapsFig4, gapsFig4.summary)
  .register('gaps-fig5', gapsFig5, gapsFig5.summary)
  .register('gaps', gapsAll, gapsAll.summary)
  .register('gaps-regimes', gapsRegimes, gapsRegimes.summary)
  .register('survey-tables', surveyTablesExperiment, surveyTablesExperiment.summary)
  .register('slai', slaiExperiment, slaiExperiment.summary)
  .register('trail', trailExperiment, trailExperiment.summary)
  .register('fastserve', fastServeExperiment, fastServeExperiment.summary)
  .register('lamps', lampsExperiment, lampsExperiment.summary);
