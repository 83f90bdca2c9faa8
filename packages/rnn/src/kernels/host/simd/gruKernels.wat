;; The elementwise part of one GRU step (reset after), four units at a time with 128-bit SIMD. gruSequenceHost.ts
;; copies a step's rows into this module's memory, calls a kernel, and copies the results out; the products
;; h·U and gate·Uᵀ stay with the tfjs backend. Every array is [rows, u] or [rows, 3u] float32, row-major, and u is
;; a multiple of 4. Build: node scripts/build-kernels.mjs (writes gruKernels.generated.ts).
(module
  (memory (export "memory") 1)

  ;; exp(x) for float32 lanes: Cody–Waite range reduction x = k·ln2 + r, |r| ≤ ln2/2, and Cephes' expf polynomial
  ;; (about 1 ulp), then 2^k from the exponent bits. x is clamped to [−87, 88], where 2^k stays a normal number.
  (func $exp (param $x v128) (result v128)
    (local $k v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.min (local.get $x) (v128.const f32x4 88.0 88.0 88.0 88.0)))
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87.0 -87.0 -87.0 -87.0)))
    (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.add (local.get $r) (f32x4.mul (local.get $k) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    ;; p·r² + r + 1
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) (v128.const f32x4 1.0 1.0 1.0 1.0)))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; σ(v) = 1 / (1 + e^−v)
  (func $sigmoid (param $v v128) (result v128)
    (f32x4.div (v128.const f32x4 1.0 1.0 1.0 1.0)
      (f32x4.add (v128.const f32x4 1.0 1.0 1.0 1.0) (call $exp (f32x4.neg (local.get $v))))))

  ;; tanh(v) = 2 / (1 + e^−2v) − 1
  (func $tanh (param $v v128) (result v128)
    (f32x4.sub
      (f32x4.div (v128.const f32x4 2.0 2.0 2.0 2.0)
        (f32x4.add (v128.const f32x4 1.0 1.0 1.0 1.0) (call $exp (f32x4.mul (local.get $v) (v128.const f32x4 -2.0 -2.0 -2.0 -2.0)))))
      (v128.const f32x4 1.0 1.0 1.0 1.0)))

  ;; Forward, for rows b < n: with x = [x_z | x_r | x_h] and p = h·[U_z U_r U_h] ([n, 3u] each), bh [u], h [n, u]:
  ;;   z = σ(x_z + p_z), r = σ(x_r + p_r), hh = p_h + b′_h, c = tanh(x_h + r ⊙ hh), h′ = c + z ⊙ (h − c)
  ;; into z, r, c, hh, h′ ([n, u] each). Byte offsets.
  (func (export "forward") (param $n i32) (param $u i32) (param $x i32) (param $p i32) (param $bh i32) (param $h i32)
        (param $z i32) (param $r i32) (param $c i32) (param $hh i32) (param $hn i32)
    (local $b i32) (local $j i32) (local $row3 i32) (local $row i32) (local $o3 i32) (local $o i32)
    (local $zv v128) (local $rv v128) (local $hhv v128) (local $cv v128) (local $hv v128) (local $u4 i32)
    (local.set $u4 (i32.shl (local.get $u) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $row3 (i32.mul (local.get $b) (i32.mul (local.get $u4) (i32.const 3))))
        (local.set $row (i32.mul (local.get $b) (local.get $u4)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $u4)))
            (local.set $o3 (i32.add (local.get $row3) (local.get $j)))
            (local.set $o (i32.add (local.get $row) (local.get $j)))
            (local.set $zv (call $sigmoid (f32x4.add
              (v128.load (i32.add (local.get $x) (local.get $o3)))
              (v128.load (i32.add (local.get $p) (local.get $o3))))))
            (local.set $rv (call $sigmoid (f32x4.add
              (v128.load (i32.add (local.get $x) (i32.add (local.get $o3) (local.get $u4))))
              (v128.load (i32.add (local.get $p) (i32.add (local.get $o3) (local.get $u4)))))))
            (local.set $hhv (f32x4.add
              (v128.load (i32.add (local.get $p) (i32.add (local.get $o3) (i32.shl (local.get $u4) (i32.const 1)))))
              (v128.load (i32.add (local.get $bh) (local.get $j)))))
            (local.set $cv (call $tanh (f32x4.add
              (v128.load (i32.add (local.get $x) (i32.add (local.get $o3) (i32.shl (local.get $u4) (i32.const 1)))))
              (f32x4.mul (local.get $rv) (local.get $hhv)))))
            (local.set $hv (v128.load (i32.add (local.get $h) (local.get $o))))
            (v128.store (i32.add (local.get $z) (local.get $o)) (local.get $zv))
            (v128.store (i32.add (local.get $r) (local.get $o)) (local.get $rv))
            (v128.store (i32.add (local.get $c) (local.get $o)) (local.get $cv))
            (v128.store (i32.add (local.get $hh) (local.get $o)) (local.get $hhv))
            (v128.store (i32.add (local.get $hn) (local.get $o))
              (f32x4.add (local.get $cv) (f32x4.mul (local.get $zv) (f32x4.sub (local.get $hv) (local.get $cv)))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows))))

  ;; Backward, for rows b < n: with g = dh + dout = ∂L/∂h′ ([n, u] each: from the next step and from this step's
  ;; output) and the step's saved z, r, c, hh and h (the state it read):
  ;;   ∂z = g ⊙ (h − c), ∂a_c = g ⊙ (1 − z) ⊙ (1 − c²), ∂h_h = ∂a_c ⊙ r, ∂a_r = ∂a_c ⊙ hh ⊙ r(1 − r),
  ;;   ∂a_z = ∂z ⊙ z(1 − z), carry = g ⊙ z
  ;; into gate = [∂a_z | ∂a_r | ∂h_h] ([n, 3u]), dac = ∂a_c ([n, u]) and carry ([n, u]).
  (func (export "backward") (param $n i32) (param $u i32) (param $dh i32) (param $dout i32) (param $z i32) (param $r i32) (param $c i32)
        (param $hh i32) (param $h i32) (param $gate i32) (param $dac i32) (param $carry i32)
    (local $b i32) (local $j i32) (local $row3 i32) (local $row i32) (local $o3 i32) (local $o i32) (local $u4 i32)
    (local $gv v128) (local $zv v128) (local $rv v128) (local $cv v128) (local $acv v128) (local $one v128)
    (local.set $one (v128.const f32x4 1.0 1.0 1.0 1.0))
    (local.set $u4 (i32.shl (local.get $u) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $row3 (i32.mul (local.get $b) (i32.mul (local.get $u4) (i32.const 3))))
        (local.set $row (i32.mul (local.get $b) (local.get $u4)))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $u4)))
            (local.set $o3 (i32.add (local.get $row3) (local.get $j)))
            (local.set $o (i32.add (local.get $row) (local.get $j)))
            (local.set $gv (f32x4.add (v128.load (i32.add (local.get $dh) (local.get $o))) (v128.load (i32.add (local.get $dout) (local.get $o)))))
            (local.set $zv (v128.load (i32.add (local.get $z) (local.get $o))))
            (local.set $rv (v128.load (i32.add (local.get $r) (local.get $o))))
            (local.set $cv (v128.load (i32.add (local.get $c) (local.get $o))))
            (local.set $acv (f32x4.mul (f32x4.mul (local.get $gv) (f32x4.sub (local.get $one) (local.get $zv)))
              (f32x4.sub (local.get $one) (f32x4.mul (local.get $cv) (local.get $cv)))))
            ;; ∂a_z
            (v128.store (i32.add (local.get $gate) (local.get $o3))
              (f32x4.mul (f32x4.mul (local.get $gv) (f32x4.sub (v128.load (i32.add (local.get $h) (local.get $o))) (local.get $cv)))
                (f32x4.mul (local.get $zv) (f32x4.sub (local.get $one) (local.get $zv)))))
            ;; ∂a_r
            (v128.store (i32.add (local.get $gate) (i32.add (local.get $o3) (local.get $u4)))
              (f32x4.mul (f32x4.mul (local.get $acv) (v128.load (i32.add (local.get $hh) (local.get $o))))
                (f32x4.mul (local.get $rv) (f32x4.sub (local.get $one) (local.get $rv)))))
            ;; ∂h_h
            (v128.store (i32.add (local.get $gate) (i32.add (local.get $o3) (i32.shl (local.get $u4) (i32.const 1))))
              (f32x4.mul (local.get $acv) (local.get $rv)))
            (v128.store (i32.add (local.get $dac) (local.get $o)) (local.get $acv))
            (v128.store (i32.add (local.get $carry) (local.get $o)) (f32x4.mul (local.get $gv) (local.get $zv)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cols)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows))))
)
