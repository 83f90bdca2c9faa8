import { ExperimentRegistry } from '@gradkit/experiment-runner';
import type { Dataset } from '../mnist';
import { batchnormExperiment } from './batchnorm';
import { batchnormSpeedExperiment } from './batchnormSpeed';
import { mlpExperiment } from './mlp';
import { speedExperiment } from './speed';
import { dniParallelExperiment, dniParallelWideExperiment } from './dniParallel';
import { dniWaitsExperiment } from './dniWaits';
import { dniExperiments } from './syntheticGradients';
import {
  bsnBaselinesExperiment,
  bsnDepthExperiment,
  bsnLowLearningRateExperiment,
  bsnPassThroughExperiment,
  bsnPostLossExperiment,
  bsnReinforceExperiment,
  bsnStraightThroughExperiment,
  ternaryOneHotExperiment,
} from './stochasticNeurons';
import { throughputExperiment } from './throughput';

/** Every mnist-bench experiment. Adding one is a new file here and one `register` line. */
export const registry = new ExperimentRegistry<Dataset>()
  .register(mlpExperiment)
  .register(throughputExperiment)
  .register(speedExperiment)
  .register(batchnormExperiment)
  .register(batchnormSpeedExperiment)
  .register(bsnBaselinesExperiment)
  .register(bsnStraightThroughExperiment)
  .register(bsnReinforceExperiment)
  .register(bsnDepthExperiment)
  .register(bsnLowLearningRateExperiment)
  .register(ternaryOneHotExperiment)
  .register(bsnPostLossExperiment)
  .register(bsnPassThroughExperiment);
for (const e of dniExperiments) registry.register(e);
registry.register(dniWaitsExperiment);
registry.register(dniParallelExperiment);
registry.register(dniParallelWideExperiment);
