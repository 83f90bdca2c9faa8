import { ExperimentRegistry } from '@gradkit/experiment-runner';
import { gruSpeedExperiment } from './gruSpeed';
import { rnnToyExperiment } from './rnnToy';

/** Every sequence-bench experiment. Adding one is a new file here and one `register` line. */
export const registry = new ExperimentRegistry<null>().register(rnnToyExperiment).register(gruSpeedExperiment);
