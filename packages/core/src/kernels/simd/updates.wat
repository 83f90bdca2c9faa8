;; The optimizers' update rules over float32 arrays, 4 lanes per instruction, on the memory of the backend that holds
;; the tensors (tfjs's wasm backend: imported, so that nothing is copied in or out). Every operation is one float32
;; operation, in the order of optimizerUpdates.ts' reference and of the host loops in optimizerUpdatesHost.ts, so the
;; results are the same bits. Arguments are byte offsets into memory and the element count n; the elements past the
;; last multiple of 4 run as scalars.
(module
  (import "env" "memory" (memory 0))

  ;; out = c·g + value
  (func (export "sgd") (param $value i32) (param $g i32) (param $out i32) (param $n i32) (param $c f32)
    (local $i i32) (local $end i32) (local $o i32) (local $C v128)
    (local.set $C (f32x4.splat (local.get $c)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done4 (loop $next4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (v128.store align=4 (i32.add (local.get $out) (local.get $o))
        (f32x4.add
          (f32x4.mul (local.get $C) (v128.load align=4 (i32.add (local.get $g) (local.get $o))))
          (v128.load align=4 (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add
          (f32.mul (local.get $c) (f32.load (i32.add (local.get $g) (local.get $o))))
          (f32.load (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; a = mu·acc + g;  step = nesterov ? g + a·mu : a;  out = c·step + value
  (func (export "momentum") (param $value i32) (param $g i32) (param $acc i32) (param $out i32) (param $accOut i32)
    (param $n i32) (param $c f32) (param $mu f32) (param $nesterov i32)
    (local $i i32) (local $end i32) (local $o i32) (local $C v128) (local $MU v128) (local $a v128) (local $gv v128)
    (local $as f32) (local $gs f32)
    (local.set $C (f32x4.splat (local.get $c)))
    (local.set $MU (f32x4.splat (local.get $mu)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done4 (loop $next4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $o))))
      (local.set $a (f32x4.add
        (f32x4.mul (local.get $MU) (v128.load align=4 (i32.add (local.get $acc) (local.get $o))))
        (local.get $gv)))
      (v128.store align=4 (i32.add (local.get $accOut) (local.get $o)) (local.get $a))
      (v128.store align=4 (i32.add (local.get $out) (local.get $o))
        (f32x4.add
          (f32x4.mul (local.get $C)
            (if (result v128) (local.get $nesterov)
              (then (f32x4.add (local.get $gv) (f32x4.mul (local.get $a) (local.get $MU))))
              (else (local.get $a))))
          (v128.load align=4 (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $as (f32.add
        (f32.mul (local.get $mu) (f32.load (i32.add (local.get $acc) (local.get $o))))
        (local.get $gs)))
      (f32.store (i32.add (local.get $accOut) (local.get $o)) (local.get $as))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add
          (f32.mul (local.get $c)
            (if (result f32) (local.get $nesterov)
              (then (f32.add (local.get $gs) (f32.mul (local.get $as) (local.get $mu))))
              (else (local.get $as))))
          (f32.load (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; a = acc + g·g;  out = (g / √(a + eps))·c + value
  (func (export "adagrad") (param $value i32) (param $g i32) (param $acc i32) (param $out i32) (param $accOut i32)
    (param $n i32) (param $c f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $o i32) (local $C v128) (local $EPS v128) (local $a v128) (local $gv v128)
    (local $as f32) (local $gs f32)
    (local.set $C (f32x4.splat (local.get $c)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done4 (loop $next4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $o))))
      (local.set $a (f32x4.add
        (v128.load align=4 (i32.add (local.get $acc) (local.get $o)))
        (f32x4.mul (local.get $gv) (local.get $gv))))
      (v128.store align=4 (i32.add (local.get $accOut) (local.get $o)) (local.get $a))
      (v128.store align=4 (i32.add (local.get $out) (local.get $o))
        (f32x4.add
          (f32x4.mul (f32x4.div (local.get $gv) (f32x4.sqrt (f32x4.add (local.get $a) (local.get $EPS)))) (local.get $C))
          (v128.load align=4 (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $as (f32.add
        (f32.load (i32.add (local.get $acc) (local.get $o)))
        (f32.mul (local.get $gs) (local.get $gs))))
      (f32.store (i32.add (local.get $accOut) (local.get $o)) (local.get $as))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add
          (f32.mul (f32.div (local.get $gs) (f32.sqrt (f32.add (local.get $as) (local.get $eps)))) (local.get $c))
          (f32.load (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; m′ = m·β1 + g·(1 − β1);  v′ = v·β2 + (g·g)·(1 − β2);  out = ((m′ / (1 − β1ᵗ)) / (√(v′ / (1 − β2ᵗ)) + eps))·c + value
  (func (export "adam") (param $value i32) (param $g i32) (param $m i32) (param $v i32)
    (param $out i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $ob1 f32) (param $b2 f32) (param $ob2 f32)
    (param $omab1 f32) (param $omab2 f32) (param $eps f32) (param $c f32)
    (local $i i32) (local $end i32) (local $o i32)
    (local $B1 v128) (local $OB1 v128) (local $B2 v128) (local $OB2 v128)
    (local $OMAB1 v128) (local $OMAB2 v128) (local $EPS v128) (local $C v128)
    (local $gv v128) (local $m1 v128) (local $v1 v128)
    (local $gs f32) (local $m1s f32) (local $v1s f32)
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $OB1 (f32x4.splat (local.get $ob1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $OB2 (f32x4.splat (local.get $ob2)))
    (local.set $OMAB1 (f32x4.splat (local.get $omab1)))
    (local.set $OMAB2 (f32x4.splat (local.get $omab2)))
    (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $C (f32x4.splat (local.get $c)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done4 (loop $next4
      (br_if $done4 (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gv (v128.load align=4 (i32.add (local.get $g) (local.get $o))))
      (local.set $m1 (f32x4.add
        (f32x4.mul (v128.load align=4 (i32.add (local.get $m) (local.get $o))) (local.get $B1))
        (f32x4.mul (local.get $gv) (local.get $OB1))))
      (local.set $v1 (f32x4.add
        (f32x4.mul (v128.load align=4 (i32.add (local.get $v) (local.get $o))) (local.get $B2))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $OB2))))
      (v128.store align=4 (i32.add (local.get $mOut) (local.get $o)) (local.get $m1))
      (v128.store align=4 (i32.add (local.get $vOut) (local.get $o)) (local.get $v1))
      (v128.store align=4 (i32.add (local.get $out) (local.get $o))
        (f32x4.add
          (f32x4.mul
            (f32x4.div
              (f32x4.div (local.get $m1) (local.get $OMAB1))
              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $v1) (local.get $OMAB2))) (local.get $EPS)))
            (local.get $C))
          (v128.load align=4 (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $m1s (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $ob1))))
      (local.set $v1s (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $ob2))))
      (f32.store (i32.add (local.get $mOut) (local.get $o)) (local.get $m1s))
      (f32.store (i32.add (local.get $vOut) (local.get $o)) (local.get $v1s))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add
          (f32.mul
            (f32.div
              (f32.div (local.get $m1s) (local.get $omab1))
              (f32.add (f32.sqrt (f32.div (local.get $v1s) (local.get $omab2))) (local.get $eps)))
            (local.get $c))
          (f32.load (i32.add (local.get $value) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))
)
