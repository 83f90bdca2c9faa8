/**
 * The runner's browser-safe part (the `browser` condition of this package's exports): what a page needs to show
 * experiment results as the benches report them — the learning-curve spec, the results table, the record types.
 * No Node module: the CLI, workers, checkpoints on disk and the PNG rendering stay in the main entry.
 */
export { curvesSpec, type CurvesInput } from './curvesSpec';
export type { DataIdentity } from './bench';
export type { Curve, Experiment, Reference, RunContext, RunOutput, RunRecord } from './experiment';
export { median } from './stats';
export { markdownTable, RESULT_HEADERS, resultRow, terminalTable, type ResultRow } from './tables';
