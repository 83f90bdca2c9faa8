/**
 * @gradkit/synthetic-grad — decoupled neural interfaces: synthetic gradients and synthetic loss (R2RT post 8).
 */
export {
  DecoupledTrainer,
  type DecoupledTrainerOptions,
  type NamedWeight,
  type StepResult,
  type TrainingMethod,
} from './decoupledTrainer';
export { denseModule, type DenseModuleOptions } from './denseModule';
export { stackModules } from './stackModules';
export { makeVariable, type Module, type Synthesizer } from './module';
export { createSynthesizer, type SynthesizerOptions } from './synthesizer';
export {
  ParallelDecoupledTrainer,
  type BatchInput,
  type ParallelTrainerOptions,
  type StageTime,
  type StageWeights,
} from './parallel/parallelTrainer';
export type { Schedule, Wire } from './parallel/protocol';
export { serveStage, type StageBuilder, type StageContext, type StageDefinition } from './parallel/serveStage';
