import type { PlaygroundExperiment } from '../experiment';
import { batchnorm } from './batchnorm';
import { binaryNeurons } from './binaryNeurons';
import { charGru } from './charGru';
import { mlp } from './mlp';
import { syntheticGradients } from './syntheticGradients';
import { ternaryOneHot } from './ternaryOneHot';

/** The page's experiments, in the order of the posts. */
export const EXPERIMENTS: PlaygroundExperiment[] = [
  mlp,
  batchnorm,
  binaryNeurons,
  ternaryOneHot,
  syntheticGradients,
  charGru,
];

/** The experiment named `name`; an unknown name is a one-line error listing the known ones. */
export function experimentNamed(name: string): PlaygroundExperiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (e == null)
    throw new Error(
      `Unknown experiment ${JSON.stringify(name)}: expected one of ${EXPERIMENTS.map((x) => x.name).join(', ')}`,
    );
  return e;
}
