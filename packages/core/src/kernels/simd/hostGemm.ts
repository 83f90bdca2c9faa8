import { GEMM_WASM_BASE64 } from './gemm.generated';
import { gemmBlocked, type SimdGemm } from './gemm';
import { instantiateOn } from './instantiate';

let shared: HostGemm | null | undefined;

interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * gemm.wat's SIMD product on a memory of its own, for kernels whose operands are JavaScript arrays (the recurrences'
 * host loops on cpu and wasm): operands are copied in (`put`), the product runs there, the result is read out. The
 * memory is a bump allocator: `mark()` / `release(mark)` free everything placed after a mark (keep operands that
 * several products share, e.g. a recurrence's weights, below it). Offsets are in floats.
 */
export class HostGemm {
  private top = 0;
  private view: Float32Array;

  private constructor(
    private readonly memory: WasmMemory,
    private readonly kernel: SimdGemm,
  ) {
    this.view = new Float32Array(memory.buffer);
  }

  /**
   * The one this package's kernels share (kernels run one at a time, and each frees what it placed: mark, then
   * release), or null where WebAssembly SIMD is unavailable.
   */
  static shared(): HostGemm | null {
    if (shared === undefined) shared = HostGemm.create();
    return shared;
  }

  /** A new one, or null where WebAssembly SIMD is unavailable. */
  static create(): HostGemm | null {
    const api = (globalThis as { WebAssembly?: { Memory?: new (d: { initial: number }) => WasmMemory } }).WebAssembly;
    if (api?.Memory == null) return null;
    const memory = new api.Memory({ initial: 16 });
    const kernel = instantiateOn<SimdGemm>(GEMM_WASM_BASE64, memory);
    return kernel == null ? null : new HostGemm(memory, kernel);
  }

  /** Room for `floats` more (16-byte aligned); returns its offset. */
  alloc(floats: number): number {
    const at = this.top;
    this.top = at + ((floats + 3) & ~3);
    const bytes = this.top * 4;
    if (bytes > this.memory.buffer.byteLength) {
      this.memory.grow(Math.ceil((bytes - this.memory.buffer.byteLength) / 65536));
    }
    if (this.view.buffer !== this.memory.buffer) this.view = new Float32Array(this.memory.buffer);
    return at;
  }

  /** Copies `values` in; returns their offset. */
  put(values: Float32Array): number {
    const at = this.alloc(values.length);
    this.view.set(values, at);
    return at;
  }

  /** A copy of `floats` values at `at`. */
  read(at: number, floats: number): Float32Array {
    return this.view.slice(at, at + floats);
  }

  /** The current top, for {@link HostGemm.release}. */
  mark(): number {
    return this.top;
  }

  /** Frees everything placed after `mark`. */
  release(mark: number): void {
    this.top = mark;
  }

  /**
   * C = act(op(A)·B + bias) at float offsets: A [M, K] (or, with `transposeA`, stored [K, M]), B [K, N] and C [M, N]
   * row-major, bias [N] (offset, or null for none), relu or not.
   */
  product(
    M: number,
    N: number,
    K: number,
    a: number,
    transposeA: boolean,
    b: number,
    c: number,
    bias: number | null = null,
    relu = false,
  ): void {
    const [ars, aks] = transposeA ? [1, M] : [K, 1];
    gemmBlocked(this.kernel, M, N, K, 4 * a, ars, aks, 4 * b, N, 4 * c, N, bias == null ? 0 : 4 * bias, relu);
  }
}
