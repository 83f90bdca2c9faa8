export { writeFileAtomic } from './atomicWrite';
export {
  decodeCheckpoint,
  encodeCheckpoint,
  epochCheckpoints,
  fileCheckpoint,
  interruptingCheckpoint,
  loadTraining,
  reportOnlyCheckpoint,
  RunInterrupted,
  saveTraining,
  type CheckpointArray,
  type CheckpointData,
  type EpochCheckpoints,
  type RunCheckpoint,
  type Training,
  type WithWeights,
} from './checkpoint';
export type { BenchDefinition, DataIdentity, WorkerJob } from './bench';
export { contentKey } from './dataIdentity';
export { parseBenchArgs, usage, type BenchOptions, type ExtraOption } from './cli';
export type { Curve, Experiment, Reference, RunContext, RunOutput, RunRecord } from './experiment';
export { ProgressBar, formatSeconds } from './progress';
export { ExperimentRegistry } from './registry';
export { markdownTable, terminalTable, writeReports } from './report';
export { runBenchCli } from './runBenchCli';
export { drawCurves } from './drawCurves';
export { median } from './stats';
export { timeTrainingSteps, type StepContender } from './timeTrainingSteps';
export { runId } from './worker';
