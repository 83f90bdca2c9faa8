/**
 * @gradkit/rnn — recurrent cells and unrolling with sequence lengths (R2RT posts 2–4).
 */
export { type Cell, type FusedForm, type FusedGru, type FusedLstm, type LayerNormTensors } from './cell';
export { type WeightFactory, zeroState } from './cells/parts';
export { basicRnnCell, type CellOptions } from './cells/basicRnn';
export { gruCell, type GruOptions, type KerasGruWeights } from './cells/gru';
export { layerNorm, layerNormParams, type LayerNormParams } from './cells/layerNorm';
export { layerNormGruCell, layerNormLstmCell } from './cells/layerNormCells';
export { lstmCell, type LstmOptions } from './cells/lstm';
export { mixtureGruCell, type MixtureGruOptions } from './cells/mixtureGru';
export {
  BucketIterator,
  PaddedIterator,
  paddingOf,
  type BatchingOptions,
  type BatchingStats,
  type BucketOptions,
} from './bucketing';
export { embedding } from './embedding';
export { RecurrentLayer, type CellKind, type RecurrentLayerArgs } from './RecurrentLayer';
export { detachState, rnn, type RnnOptions, type RnnResult } from './rnn';
export { generate, sampleFromLogits } from './sampler';
export { lastRelevant, lengthsFromPadded, maskedSequenceLoss, sequenceMask } from './sequences';
export { stackedRnn, type StackOptions } from './stack';

import { registerRnnKernels } from './kernels/register';

registerRnnKernels();
