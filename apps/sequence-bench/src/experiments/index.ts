import { ExperimentRegistry } from '@gradkit/experiment-runner';
import type { SequenceData } from '../data';
import { charLmExperiments } from './charLm';
import { gruSpeedExperiment } from './gruSpeed';
import { statesExperiments } from './initialStates';
import { rnnToyExperiment } from './rnnToy';
import { spamExperiments } from './spam';

/** Every sequence-bench experiment. Adding one is a new file here and one `register` line. */
export const registry = new ExperimentRegistry<SequenceData>().register(rnnToyExperiment).register(gruSpeedExperiment);
for (const e of charLmExperiments) registry.register(e);
for (const e of spamExperiments) registry.register(e);
for (const e of statesExperiments) registry.register(e);
