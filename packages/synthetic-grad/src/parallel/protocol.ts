/** The messages between the parallel trainer's main thread and its stages (structured-cloneable, buffers transferred). */

/** A tensor's values and shape, as they cross threads. */
export interface Wire {
  shape: number[];
  values: Float32Array;
}

export type Schedule = 'lockstep' | 'pipelined' | 'sequential';

export interface InitMessage {
  type: 'init';
  /** The stages this worker builds: one in the parallel schedules, all of them in 'sequential'. */
  stages: number[];
  count: number;
  args: unknown;
  /** How many batches a stage may run ahead of the targets it has trained its top synthesizer on (lockstep: 1). */
  depth: number;
  /** 'sequential': the method to train with instead of the stages' (e.g. 'backprop' for the baseline). */
  method?: string;
  /** Ports to the stage below (its targets go there) and above (activations go there). */
  below: unknown;
  above: unknown;
}

/** Main → first stage: a batch. */
export interface BatchMessage {
  type: 'batch';
  step: number;
  x: Wire;
  labels: Wire;
}

/** Stage → stage above: the top module's output of one step. */
export interface ActivationMessage {
  type: 'activation';
  step: number;
  h: Wire;
  labels: Wire;
}

/** Stage → stage below: the bootstrapped target for its top synthesizer. */
export interface TargetMessage {
  type: 'target';
  step: number;
  target: Wire;
}

/** Main → first stage, then stage → stage above: no more batches after `steps`. */
export interface EndMessage {
  type: 'end';
  steps: number;
}

export type ToStage = InitMessage | BatchMessage | EndMessage | { type: 'weights' } | { type: 'dispose' };

export type FromStage =
  | { type: 'listening' }
  | { type: 'ready'; stage: number }
  | { type: 'took'; stage: number; step: number }
  | { type: 'loss'; step: number; loss: number }
  | { type: 'finished'; stage: number; busyMs: number; waitMs: number }
  | { type: 'weights'; stage: number; modules: Wire[]; synthesizers: Wire[]; head: Wire[] }
  | { type: 'disposed'; stage: number; tensors: number }
  | { type: 'error'; stage: number; step: number | null; message: string };
