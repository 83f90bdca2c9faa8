// Writes src/kernels/simd/gemm.wat: the register-blocked SIMD product (blocks of 4 rows × 8, 4 and 1 columns, then
// the rows past the last multiple of 4) and the column sums. The blocks differ only in their sizes, so they are
// written out by this program rather than by hand. Then run node scripts/build-kernels.mjs.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'kernels', 'simd', 'gemm.wat');

/** One block: R rows (4 or 1) × 4·V columns (V = 2 or 1), or one scalar column (V = 0), at row $i, column $j. */
function block(R, V) {
  const name = `r${R}v${V}`;
  const vec = V > 0;
  const P = vec ? 'c' : 'f';
  const zero = vec ? '(v128.const f32x4 0 0 0 0)' : '(f32.const 0)';
  const L = [];
  const rowC = (r) =>
    `(local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $ldc)) (local.get $j)) (i32.const 2))))`;
  const cols = Math.max(V, 1);
  for (let r = 0; r < R; r++) {
    L.push(rowC(r));
    for (let v = 0; v < cols; v++) {
      const off = v ? ` offset=${16 * v}` : '';
      L.push(
        vec
          ? `(local.set $${P}${r}${v} (if (result v128) (local.get $acc) (then (v128.load${off} align=4 (local.get $pc))) (else ${zero})))`
          : `(local.set $${P}${r}${v} (if (result f32) (local.get $acc) (then (f32.load align=4 (local.get $pc))) (else ${zero})))`,
      );
    }
  }
  for (let r = 0; r < R; r++)
    L.push(
      `(local.set $pa${r} (i32.add (local.get $a) (i32.shl (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $ars)) (i32.const 2))))`,
    );
  L.push('(local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))');
  L.push('(local.set $k (local.get $K))');
  L.push(`(block $kend${name} (loop $kloop${name}`);
  L.push(`  (br_if $kend${name} (i32.eqz (local.get $k)))`);
  if (vec) {
    for (let v = 0; v < V; v++)
      L.push(`  (local.set $b${v} (v128.load${v ? ` offset=${16 * v}` : ''} align=4 (local.get $pb)))`);
    for (let r = 0; r < R; r++) {
      L.push(`  (local.set $s (v128.load32_splat align=4 (local.get $pa${r})))`);
      for (let v = 0; v < V; v++)
        L.push(
          `  (local.set $c${r}${v} (f32x4.add (local.get $c${r}${v}) (f32x4.mul (local.get $s) (local.get $b${v}))))`,
        );
    }
  } else {
    L.push('  (local.set $bs (f32.load align=4 (local.get $pb)))');
    for (let r = 0; r < R; r++)
      L.push(
        `  (local.set $f${r}0 (f32.add (local.get $f${r}0) (f32.mul (f32.load align=4 (local.get $pa${r})) (local.get $bs))))`,
      );
  }
  for (let r = 0; r < R; r++) L.push(`  (local.set $pa${r} (i32.add (local.get $pa${r}) (local.get $akb)))`);
  L.push('  (local.set $pb (i32.add (local.get $pb) (local.get $ldbb)))');
  L.push('  (local.set $k (i32.sub (local.get $k) (i32.const 1)))');
  L.push(`  (br $kloop${name})))`);
  const biasAt = '(i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2)))';
  if (vec)
    for (let v = 0; v < V; v++)
      L.push(`(if (local.get $bias) (then (local.set $b${v} (v128.load offset=${16 * v} align=4 ${biasAt}))))`);
  else L.push(`(if (local.get $bias) (then (local.set $bs (f32.load align=4 ${biasAt}))))`);
  for (let r = 0; r < R; r++) {
    L.push(rowC(r));
    for (let v = 0; v < cols; v++) {
      const c = `$${P}${r}${v}`;
      if (vec) {
        L.push(`(if (local.get $bias) (then (local.set ${c} (f32x4.add (local.get ${c}) (local.get $b${v})))))`);
        L.push(
          `(if (local.get $relu) (then (local.set ${c} (f32x4.max (local.get ${c}) (v128.const f32x4 0 0 0 0)))))`,
        );
        L.push(`(v128.store${v ? ` offset=${16 * v}` : ''} align=4 (local.get $pc) (local.get ${c}))`);
      } else {
        L.push(`(if (local.get $bias) (then (local.set ${c} (f32.add (local.get ${c}) (local.get $bs)))))`);
        L.push(`(if (local.get $relu) (then (local.set ${c} (f32.max (local.get ${c}) (f32.const 0)))))`);
        L.push(`(f32.store align=4 (local.get $pc) (local.get ${c}))`);
      }
    }
  }
  return L;
}

/** The column blocks for R rows at row $i: 8 wide while they fit, then one 4 wide, then single columns. */
function columns(R) {
  const ind = (lines) => lines.map((l) => `  ${l}`);
  return [
    '(local.set $j (i32.const 0))',
    `(block $j8end${R} (loop $j8${R}`,
    `  (br_if $j8end${R} (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $N)))`,
    ...ind(block(R, 2)),
    '  (local.set $j (i32.add (local.get $j) (i32.const 8)))',
    `  (br $j8${R})))`,
    '(if (i32.le_u (i32.add (local.get $j) (i32.const 4)) (local.get $N)) (then',
    ...ind(block(R, 1)),
    '  (local.set $j (i32.add (local.get $j) (i32.const 4)))))',
    `(block $j1end${R} (loop $j1${R}`,
    `  (br_if $j1end${R} (i32.ge_u (local.get $j) (local.get $N)))`,
    ...ind(block(R, 0)),
    '  (local.set $j (i32.add (local.get $j) (i32.const 1)))',
    `  (br $j1${R})))`,
  ];
}

const ind = (lines, n) => lines.map((l) => ' '.repeat(n) + l);
const body = [
  '(local.set $akb (i32.shl (local.get $aks) (i32.const 2)))',
  '(local.set $ldbb (i32.shl (local.get $ldb) (i32.const 2)))',
  '(local.set $i (i32.const 0))',
  '(block $i4end (loop $i4',
  '  (br_if $i4end (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $M)))',
  ...ind(columns(4), 2),
  '  (local.set $i (i32.add (local.get $i) (i32.const 4)))',
  '  (br $i4)))',
  '(block $i1end (loop $i1',
  '  (br_if $i1end (i32.ge_u (local.get $i) (local.get $M)))',
  ...ind(columns(1), 2),
  '  (local.set $i (i32.add (local.get $i) (i32.const 1)))',
  '  (br $i1)))',
];
const locals = [
  '(local $i i32) (local $j i32) (local $k i32) (local $pb i32) (local $pc i32) (local $akb i32) (local $ldbb i32)',
  '(local $pa0 i32) (local $pa1 i32) (local $pa2 i32) (local $pa3 i32)',
  '(local $b0 v128) (local $b1 v128) (local $s v128) (local $bs f32)',
  Array.from({ length: 8 }, (_, n) => `(local $c${n >> 1}${n & 1} v128)`).join(' '),
  Array.from({ length: 4 }, (_, r) => `(local $f${r}0 f32)`).join(' '),
];
const COLSUM = `  ;; s[j] = Σ_i X[i, j] for X [R, C] at x (row-major), s at s: rows added in order i = 0, 1, …, 4 columns at a time
  (func (export "colsum") (param $R i32) (param $C i32) (param $x i32) (param $s i32)
    (local $i i32) (local $j i32) (local $p i32) (local $acc v128) (local $one f32) (local $ldb i32)
    (local.set $ldb (i32.shl (local.get $C) (i32.const 2)))
    (block $j4end (loop $j4
      (br_if $j4end (i32.gt_u (i32.add (local.get $j) (i32.const 4)) (local.get $C)))
      (local.set $acc (v128.const f32x4 0 0 0 0))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $i (i32.const 0))
      (block $iend (loop $iloop
        (br_if $iend (i32.ge_u (local.get $i) (local.get $R)))
        (local.set $acc (f32x4.add (local.get $acc) (v128.load align=4 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $ldb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iloop)))
      (v128.store align=4 (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $j4)))
    (block $j1end (loop $j1
      (br_if $j1end (i32.ge_u (local.get $j) (local.get $C)))
      (local.set $one (f32.const 0))
      (local.set $p (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $i (i32.const 0))
      (block $i1end (loop $i1loop
        (br_if $i1end (i32.ge_u (local.get $i) (local.get $R)))
        (local.set $one (f32.add (local.get $one) (f32.load align=4 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $ldb)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $i1loop)))
      (f32.store align=4 (i32.add (local.get $s) (i32.shl (local.get $j) (i32.const 2))) (local.get $one))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $j1))))`;

const text = `;; Generated by scripts/gen-gemm-wat.mjs: edit that program, not this file.
;; Matrix products on the memory of the backend that holds the tensors (imported: nothing copied), 4-lane SIMD:
;;   C[i, j] = act(Σ_k A[i, k]·B[k, j] + bias[j])   for i < M, j < N
;; A element (i, k) at byte a + 4·(i·ars + k·aks) (any strides: a transposed A is strides (1, rows)); B row k at
;; b + 4·k·ldb, contiguous in j; C row i at c + 4·i·ldc; bias a byte offset or 0 for none; relu 1 or 0; acc 1 to
;; continue sums already in C (the caller splits K into blocks that stay in cache; the order of additions is unchanged).
;; Each output sums its K products in order k = 0, 1, … with one float32 multiply and one float32 add each (no fused
;; multiply-add), so the result is the plain float32 dot product, the same on every run.
;; Blocks: 4 rows × 8 columns (8 accumulators of 4 lanes), then 4 × 4, then 4 × 1; the last M mod 4 rows 1 × 8, 1 × 4,
;; 1 × 1. Per k the 4 × 8 block loads 2 vectors of B and 4 elements of A for 32 multiply-adds.
;; Also colsum: the column sums of a matrix (a dense layer's bias gradient), rows added in order.
(module
  (import "env" "memory" (memory 0))
  (func (export "gemm") (param $M i32) (param $N i32) (param $K i32)
    (param $a i32) (param $ars i32) (param $aks i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (param $bias i32) (param $relu i32) (param $acc i32)
${ind([...locals, ...body], 4).join('\n')})
${COLSUM})
`;

writeFileSync(out, text);
console.log(`${out}: written`);
