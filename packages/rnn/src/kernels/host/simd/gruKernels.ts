import { instantiateStandalone } from '@gradkit/core';
import { GRU_KERNELS_WASM_BASE64 } from './gruKernels.generated';

/**
 * The GRU step kernels of gruKernels.wat (4-lane SIMD), with a scratch heap that grows on demand. Offsets passed
 * to the kernels are in bytes; `heap()` views the memory as float32 (index = byte offset / 4).
 */
export interface GruKernels {
  /** The module's memory as float32 (a fresh view after every `reserve`). */
  heap(): Float32Array;
  /** Makes the heap at least `floats` long. */
  reserve(floats: number): void;
  forward(
    n: number,
    u: number,
    x: number,
    p: number,
    bh: number,
    h: number,
    z: number,
    r: number,
    c: number,
    hh: number,
    hn: number,
  ): void;
  backward(
    n: number,
    u: number,
    dh: number,
    dout: number,
    z: number,
    r: number,
    c: number,
    hh: number,
    h: number,
    gate: number,
    dac: number,
    carry: number,
  ): void;
}

let cached: GruKernels | null | undefined;

/** The memory the module defines and exports. */
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** The kernels, or null where WebAssembly SIMD is unavailable (then the plain-JavaScript loops run). */
export function gruKernels(): GruKernels | null {
  if (cached !== undefined) return cached;
  try {
    const exports = instantiateStandalone<{
      memory: WasmMemory;
      forward: GruKernels['forward'];
      backward: GruKernels['backward'];
    }>(GRU_KERNELS_WASM_BASE64);
    if (exports == null) return (cached = null);
    let view = new Float32Array(exports.memory.buffer);
    cached = {
      heap: () => (view.buffer === exports.memory.buffer ? view : (view = new Float32Array(exports.memory.buffer))),
      reserve(floats) {
        const bytes = floats * 4;
        const have = exports.memory.buffer.byteLength;
        if (bytes > have) exports.memory.grow(Math.ceil((bytes - have) / 65536));
        view = new Float32Array(exports.memory.buffer);
      },
      forward: exports.forward,
      backward: exports.backward,
    };
  } catch {
    cached = null;
  }
  return cached;
}
