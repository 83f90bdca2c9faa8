import type { WebGpuBackendLike } from '@gradkit/core';

/** σ(a) = 1 / (1 + e^(−a)): 0 for very negative a (e^(−a) = ∞), never NaN. */
export const SIGMOID_WGSL = 'fn sigmoid(a: f32) -> f32 { return 1.0 / (1.0 + exp(-a)); }';

/** tanh(a) = sign(a)·(1 − e^(−2|a|)) / (1 + e^(−2|a|)): no overflow for large |a| (WGSL's tanh may give NaN there). */
export const TANH_WGSL = `fn tanhStable(a: f32) -> f32 {
  let e = exp(-2.0 * abs(a));
  return sign(a) * (1.0 - e) / (1.0 + e);
}`;

/** Threads per workgroup for a recurrence over `u` units: a power of two from 32 to 128, each thread ⌈u / size⌉ units. */
export function workgroupSize(u: number): number {
  let size = 32;
  while (size < u && size < 128) size *= 2;
  return size;
}

interface Limits {
  maxComputeWorkgroupsPerDimension: number;
  maxComputeWorkgroupStorageSize: number;
  maxStorageBufferBindingSize: number;
}

/**
 * Checks a sequence kernel's sizes against the device's limits — one workgroup per example, the state in workgroup
 * memory, the reserve in one storage buffer — and throws one line naming the size and the limit it passes.
 */
export function sequenceLimits(
  backend: WebGpuBackendLike,
  kernelName: string,
  {
    B,
    T,
    u,
    reserveFloats,
    workgroupFloats,
  }: { B: number; T: number; u: number; reserveFloats: number; workgroupFloats: number },
): void {
  const limits = backend.device.limits as unknown as Limits;
  const fail = (what: string, value: number, limit: number) => {
    throw new Error(
      `${kernelName}: ${what} ${value} exceeds this WebGPU device's limit ${limit} (batch ${B}, ${T} steps, ${u} units)`,
    );
  };
  if (B > limits.maxComputeWorkgroupsPerDimension) fail('batch', B, limits.maxComputeWorkgroupsPerDimension);
  if (4 * workgroupFloats > limits.maxComputeWorkgroupStorageSize) {
    fail('workgroup memory (bytes)', 4 * workgroupFloats, limits.maxComputeWorkgroupStorageSize);
  }
  const reserveBytes = 4 * reserveFloats;
  if (reserveBytes > limits.maxStorageBufferBindingSize) {
    fail('reserve (bytes)', reserveBytes, limits.maxStorageBufferBindingSize);
  }
}
