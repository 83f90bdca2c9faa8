/**
 * @gradkit/batchnorm — batch normalization with population statistics as explicit state (R2RT post 1).
 */
import { registerBatchNormKernels } from './kernels/register';

registerBatchNormKernels();

export { BatchNorm, type BatchNormArgs } from './BatchNormLayer';
export { batchNorm, type BatchNormOptions, type BatchNormParams } from './batchNorm';
export { estimatePopulationStatistics, type StatisticsModel } from './estimatePopulationStatistics';
export { batchMoments } from './moments';
export {
  createPopulationStatistics,
  disposePopulationStatistics,
  resetPopulationStatistics,
  updatePopulationStatistics,
  type PopulationStatistics,
  type StatisticsUpdate,
} from './populationStatistics';
