import * as tf from '@tensorflow/tfjs-core';

/**
 * What gradkit's WGSL kernels use of tfjs's webgpu backend (4.22): its device, its buffers per tensor, its command
 * encoder and compute pass, its uniform allocator, and its bookkeeping of dispatches (so that a gradkit dispatch is
 * queued, batched and released exactly like one of tfjs's own programs). Typed structurally: core imports no backend.
 */
export interface WebGpuBackendLike {
  device: GpuDeviceLike;
  tensorMap: { get(dataId: object): { resource: unknown; dtype: tf.DataType } | undefined };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  makeUniforms(uniforms: { type: 'float32' | 'int32' | 'uint32'; data: number[] }[]): unknown;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: { beginComputePass(descriptor: object): GpuPassLike };
  computePassEncoder: GpuPassLike | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
}
interface GpuPassLike {
  setPipeline(pipeline: unknown): void;
  setBindGroup(index: number, group: unknown): void;
  dispatchWorkgroups(x: number, y?: number, z?: number): void;
}
interface GpuPipelineLike {
  getBindGroupLayout(index: number): unknown;
}
interface GpuDeviceLike {
  createShaderModule(descriptor: { code: string; label?: string }): unknown;
  createComputePipeline(descriptor: object): GpuPipelineLike;
  createBindGroup(descriptor: object): unknown;
  limits: { maxComputeWorkgroupsPerDimension: number };
}

/** Whether `backend` offers what {@link runWgsl} uses (tfjs's webgpu backend does). */
export function isWebGpuBackendLike(backend: unknown): backend is WebGpuBackendLike {
  const b = backend as Partial<WebGpuBackendLike>;
  return (
    b != null &&
    b.device != null &&
    typeof b.uploadToGPU === 'function' &&
    typeof b.makeUniforms === 'function' &&
    typeof b.ensureCommandEncoderReady === 'function' &&
    'dispatchCountInPass' in b
  );
}

/** The kernel's backend as tfjs's webgpu backend, or one line naming the kernel. */
export function asWebGpuBackend(backend: unknown, kernelName: string): WebGpuBackendLike {
  if (!isWebGpuBackendLike(backend)) {
    throw new Error(`${kernelName}: the backend lacks what the WGSL kernel uses (tfjs-backend-webgpu 4.x)`);
  }
  return backend;
}

/** One WGSL compute program and how to run it. */
export interface WgslProgram {
  /** Identifies the shader source (pipelines are cached by it, per device). */
  key: string;
  /**
   * The shader. Bindings in group 0: the outputs first (`var<storage, read_write>`, in order), then the inputs
   * (`var<storage, read>`), then, if `uniforms` is not empty, one uniform struct of scalars in `uniforms`' order.
   * Every binding must be used by the shader. Entry point `main`.
   */
  code: string;
  /** Workgroups to dispatch, [x, y, z]. */
  workgroups: [number, number, number];
  /** Scalars for the uniform struct, each one field (4 bytes). */
  uniforms: { type: 'float32' | 'int32' | 'uint32'; value: number }[];
}

const pipelines = new WeakMap<object, Map<string, GpuPipelineLike>>();

/** An integer buffer (int32, or bool stored as i32) as float32 values: one dispatch. */
const TO_FLOAT = (n: number, backend: WebGpuBackendLike): WgslProgram => ({
  key: 'GradkitToFloat',
  code: `
@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<i32>;
struct Dims { n: u32, }
@group(0) @binding(2) var<uniform> dims: Dims;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * 64u;
  if (i < dims.n) { y[i] = f32(x[i]); }
}`,
  workgroups: workgroupsFor(backend.device, n, 64),
  uniforms: [{ type: 'uint32', value: n }],
});

function pipelineFor(device: GpuDeviceLike, program: WgslProgram): GpuPipelineLike {
  let cache = pipelines.get(device);
  if (cache == null) pipelines.set(device, (cache = new Map()));
  let pipeline = cache.get(program.key);
  if (pipeline == null) {
    const module = device.createShaderModule({ code: program.code, label: program.key });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    cache.set(program.key, pipeline);
  }
  return pipeline;
}

/**
 * Runs a WGSL program on tfjs's webgpu backend with several outputs (tfjs's own programs have one): allocates the
 * outputs, uploads the inputs, and records the dispatch into the backend's current compute pass, counted and
 * submitted as tfjs counts and submits its own. Returns the outputs (float32 or the given dtypes).
 */
export function runWgsl(
  backend: WebGpuBackendLike,
  program: WgslProgram,
  inputs: tf.TensorInfo[],
  outputs: { shape: number[]; dtype?: tf.DataType }[],
): tf.TensorInfo[] {
  // A float32 tensor whose buffer holds integers: tfjs's webgpu Cast from int32 or bool to float32 keeps the input's
  // buffer (no encoding loss) and only relabels it; a WGSL program reading array<f32> would read the integers' bits.
  const converted: tf.TensorInfo[] = [];
  inputs = inputs.map((t) => {
    const stored = backend.tensorMap.get(t.dataId)?.dtype;
    if (t.dtype !== 'float32' || stored == null || stored === 'float32') return t;
    const [f] = runWgsl(
      backend,
      TO_FLOAT(tf.util.sizeFromShape(t.shape), backend),
      [{ ...t, dtype: stored }],
      [{ shape: t.shape }],
    );
    converted.push(f as tf.TensorInfo);
    return f as tf.TensorInfo;
  });
  const made = outputs.map(({ shape, dtype }) => backend.makeTensorInfo(shape, dtype ?? 'float32'));
  for (const t of made) backend.uploadToGPU(t.dataId);
  for (const t of inputs) backend.uploadToGPU(t.dataId);
  const pipeline = pipelineFor(backend.device, program);
  const binding = (t: tf.TensorInfo) => ({ buffer: backend.tensorMap.get(t.dataId)?.resource });
  const entries: { binding: number; resource: unknown }[] = [...made, ...inputs].map((t, i) => ({
    binding: i,
    resource: binding(t),
  }));
  if (program.uniforms.length > 0) {
    entries.push({
      binding: entries.length,
      resource: backend.makeUniforms(program.uniforms.map((u) => ({ type: u.type, data: [u.value] }))),
    });
  }
  const bindGroup = backend.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  backend.ensureCommandEncoderReady();
  if (backend.computePassEncoder == null) backend.computePassEncoder = backend.commandEncoder.beginComputePass({});
  const pass = backend.computePassEncoder;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...program.workgroups);
  for (const t of [...inputs, ...made]) backend.commandQueueOwnedIds.add(t.dataId);
  backend.dispatchCountInPass++;
  // as tfjs does after each of its programs: submit the queue every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE dispatches
  if (submitBatchSize() <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  for (const t of converted) backend.disposeData(t.dataId);
  return made;
}

/** tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (a flag its webgpu backend registers; 15 by default). */
function submitBatchSize(): number {
  const name = 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE';
  const registry = (tf.env() as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry;
  return registry[name] != null ? (tf.env().get(name) as number) : 15;
}

/**
 * Workgroups covering `n` invocations of `size` threads, spread over x and y when x alone would pass the device's
 * limit (the shader then indexes with `id.x + id.y * numWorkgroups.x * size`).
 */
export function workgroupsFor(device: GpuDeviceLike, n: number, size: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  const limit = device.limits.maxComputeWorkgroupsPerDimension;
  if (groups <= limit) return [groups, 1, 1];
  const y = Math.ceil(groups / limit);
  return [Math.ceil(groups / y), y, 1];
}
