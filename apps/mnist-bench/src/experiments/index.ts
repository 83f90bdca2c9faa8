import { ExperimentRegistry } from '@gradkit/experiment-runner';
import type { Dataset } from '../mnist';
import { batchnormExperiment } from './batchnorm';
import { batchnormSpeedExperiment } from './batchnormSpeed';
import { mlpExperiment } from './mlp';
import { throughputExperiment } from './throughput';

/** Every mnist-bench experiment. Adding one is a new file here and one `register` line. */
export const registry = new ExperimentRegistry<Dataset>()
  .register(mlpExperiment)
  .register(throughputExperiment)
  .register(batchnormExperiment)
  .register(batchnormSpeedExperiment);
