/**
 * @gradkit/stochastic-neurons — binary, ternary/n-ary and one-hot neurons with their estimators (R2RT posts 5, 6).
 */
export { binaryNeuron, type BinaryNeuronOptions, type StraightThroughEstimator } from './binary';
export {
  BinaryNeuronLayer,
  OneHotNeuronLayer,
  TernaryNeuronLayer,
  type BinaryNeuronLayerArgs,
  type OneHotNeuronLayerArgs,
  type StochasticLayerArgs,
} from './layers';
export { naryNeuron, ternaryActivation, ternaryNeuron, type NaryNeuronOptions } from './nary';
export { SeedStream, type Randomness } from './noise';
export { oneHotNeuron, type OneHotEstimator, type OneHotNeuronOptions } from './oneHot';
export {
  createReinforceBaseline,
  reinforceBaselineValue,
  disposeReinforceBaseline,
  reinforceBinaryNeuron,
  type ReinforceBaseline,
  type ReinforceNeuron,
  type ReinforceNeuronOptions,
} from './reinforce';
export { SlopeAnnealing, type AnnealingScope, type SlopeAnnealingOptions } from './slopeAnnealing';
