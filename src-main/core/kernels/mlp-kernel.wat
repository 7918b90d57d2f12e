;; The frozen surrogate MLP in WebAssembly SIMD (float32): forward, and backward to the INPUTS.
;; Assembled by scripts/build-kernels.mjs into mlp-kernel-wasm.ts; driven by mlp-kernel.ts, which
;; lays out the weights and the context block below. Rows go through the network in blocks, layer
;; by layer, but every row is computed on its own: a row's result never depends on the other rows
;; of the call or of its block (the pool relies on that).
;;
;; Why it beats a dense matMul: each layer is computed as an outer-product sum over the INPUT units
;; of the layer that are non-zero,  out[:] = bias[:] + sum_{k: x_k != 0} x_k * Wt[k, :],
;; so units a ReLU switched off (about half of them) cost nothing. The backward does the same
;; over the non-zero gradient units with the PyTorch-layout rows W[o, :], and the ReLU derivative
;; zeroes the gradient of every unit that was off, so it skips the same units. For activations
;; that give no exact zeros (tanh, sigmoid, elu) the same code runs as a dense product.
;; Why blocks: a 90 x 92 layer's weights (33 kB) do not fit in a 32 kB L1 cache; one row at a
;; time re-read every layer from L2. In blocks, a 6-vector column chunk of a layer (9 kB) is
;; read once and serves every row of the block from L1 (see $accumulate).
;;
;; Layout (all offsets in bytes, all widths padded to whole f32x4 vectors with zero weights):
;;   context (ctx):                 layer table entry (32 bytes each, at layerTable + 32 l):
;;     0  layerCount                  0  in units     4  out units
;;     4  layerTable                  8  inPad bytes  12 outPad bytes
;;     8  activation code             16 Wt (in rows x outPad)   20 W (out rows x inPad)
;;     12 bufA   16 bufB              24 bias (outPad)           28 offset of this layer's
;;        (blockRows rows each)                                     output in a kept row
;;     20 lists (blockRows rows)
;;     24 blockRows                   28 amplification (f32 per output)
;;     32 clipLo f32  36 clipHi f32   40 zeros (widest padded row)
;;     44 kept row stride             48 offset of the clip gate in a kept row
;;     52 counts (i32 per block row)  56 bufStride: bytes per row in bufA/bufB (a list row: twice,
;;     60 compaction table (256 bytes, see $compactVec)              plus 32)
;; Activation codes: 0 relu, 1 elu, 2 tanh, 3 hard-tanh, 4 sigmoid (mlp-kernel.ts ACTIVATION_CODES).
(module
  (memory (export "memory") 1)

  ;; Lists the non-zero values of src[0..n) as (value f32, k * rowBytes i32) pairs; returns how many.
  ;; Branch-free: every entry is written, the count only advances past a non-zero (or NaN) one.
  (func $compact (param $src i32) (param $n i32) (param $list i32) (param $rowBytes i32) (result i32)
    (local $end i32) (local $count i32) (local $off i32) (local $v f32) (local $entry i32)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $next
      (local.set $v (f32.load (local.get $src)))
      (local.set $entry (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))))
      (f32.store (local.get $entry) (local.get $v))
      (i32.store offset=4 (local.get $entry) (local.get $off))
      (local.set $count (i32.add (local.get $count) (f32.ne (local.get $v) (f32.const 0))))
      (local.set $off (i32.add (local.get $off) (local.get $rowBytes)))
      (local.set $src (i32.add (local.get $src) (i32.const 4)))
      (br_if $next (i32.lt_u (local.get $src) (local.get $end))))
    (local.get $count))

;; The same as $compact for a 16-byte-aligned src of whole f32x4 vectors (lanes past n ignored),
  ;; four values at a time: the non-zero lanes' bitmask picks a byte pattern in the compaction
  ;; table (ctx 60; 16 patterns that move the selected i32 lanes to the front, in order), which
  ;; packs both the values and their weight-row offsets. Writes up to 4 entries past the count,
  ;; so a list needs 32 spare bytes. The same list as $compact gives, without its one-value loop.
  (func $compactVec (param $src i32) (param $n i32) (param $list i32) (param $rowBytes i32) (param $table i32) (result i32)
    (local $end i32) (local $count i32) (local $x v128) (local $offsets v128) (local $step v128) (local $lanes v128)
    (local $limit v128) (local $mask i32) (local $pattern v128) (local $values v128) (local $rows v128) (local $entry i32)
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (i32.add (local.get $n) (i32.const 3)) (i32.const -4)) (i32.const 2))))
    (local.set $offsets (i32x4.mul (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $rowBytes))))
    (local.set $step (i32x4.splat (i32.shl (local.get $rowBytes) (i32.const 2))))
    (local.set $lanes (v128.const i32x4 0 1 2 3))
    (local.set $limit (i32x4.splat (local.get $n)))
    (loop $next
      (local.set $x (v128.load (local.get $src)))
      (local.set $mask (i32x4.bitmask (v128.and (f32x4.ne (local.get $x) (v128.const f32x4 0 0 0 0))
                                                (i32x4.lt_s (local.get $lanes) (local.get $limit)))))
      (local.set $pattern (v128.load (i32.add (local.get $table) (i32.shl (local.get $mask) (i32.const 4)))))
      (local.set $values (i8x16.swizzle (local.get $x) (local.get $pattern)))
      (local.set $rows (i8x16.swizzle (local.get $offsets) (local.get $pattern)))
      (local.set $entry (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))))
      (v128.store offset=0 (local.get $entry)
        (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $values) (local.get $rows)))
      (v128.store offset=16 (local.get $entry)
        (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $values) (local.get $rows)))
      (local.set $count (i32.add (local.get $count) (i32.popcnt (local.get $mask))))
      (local.set $offsets (i32x4.add (local.get $offsets) (local.get $step)))
      (local.set $lanes (i32x4.add (local.get $lanes) (v128.const i32x4 4 4 4 4)))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $src) (local.get $end))))
    (local.get $count))

  ;; dst[0..6 vectors) = init[same] + sum over the list of value * w[rowOffset + same].
  ;; Six accumulators: in an isolated loop (x64 Zen 4, V8 11) six vector multiply-adds per list
  ;; entry ran at 0.24 ns each where twelve ran at 0.40; in the whole forward the two are about
  ;; equal, and six keep a chunk's weight slab small (9 kB for 90 input units). A 92-wide layer
  ;; is 4 chunks, the last one overlapping (see $accumulate).
  (func $chunk6 (param $list i32) (param $count i32) (param $w i32) (param $init i32) (param $dst i32)
    (local $end i32) (local $b v128) (local $p i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local.set $a0 (v128.load offset=0 (local.get $init)))
    (local.set $a1 (v128.load offset=16 (local.get $init)))
    (local.set $a2 (v128.load offset=32 (local.get $init)))
    (local.set $a3 (v128.load offset=48 (local.get $init)))
    (local.set $a4 (v128.load offset=64 (local.get $init)))
    (local.set $a5 (v128.load offset=80 (local.get $init)))
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
      (loop $next
        (local.set $b (v128.load32_splat (local.get $list)))
        (local.set $p (i32.add (local.get $w) (i32.load offset=4 (local.get $list))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $b) (v128.load offset=0 (local.get $p)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $b) (v128.load offset=16 (local.get $p)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $b) (v128.load offset=32 (local.get $p)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $b) (v128.load offset=48 (local.get $p)))))
        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $b) (v128.load offset=64 (local.get $p)))))
        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $b) (v128.load offset=80 (local.get $p)))))
        (local.set $list (i32.add (local.get $list) (i32.const 8)))
        (br_if $next (i32.lt_u (local.get $list) (local.get $end)))))
    (v128.store offset=0 (local.get $dst) (local.get $a0))
    (v128.store offset=16 (local.get $dst) (local.get $a1))
    (v128.store offset=32 (local.get $dst) (local.get $a2))
    (v128.store offset=48 (local.get $dst) (local.get $a3))
    (v128.store offset=64 (local.get $dst) (local.get $a4))
    (v128.store offset=80 (local.get $dst) (local.get $a5)))

  ;; The same for 4 vectors.
  (func $chunk4 (param $list i32) (param $count i32) (param $w i32) (param $init i32) (param $dst i32)
    (local $end i32) (local $b v128) (local $p i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $a0 (v128.load offset=0 (local.get $init)))
    (local.set $a1 (v128.load offset=16 (local.get $init)))
    (local.set $a2 (v128.load offset=32 (local.get $init)))
    (local.set $a3 (v128.load offset=48 (local.get $init)))
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
      (loop $next
        (local.set $b (v128.load32_splat (local.get $list)))
        (local.set $p (i32.add (local.get $w) (i32.load offset=4 (local.get $list))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $b) (v128.load offset=0 (local.get $p)))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $b) (v128.load offset=16 (local.get $p)))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $b) (v128.load offset=32 (local.get $p)))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $b) (v128.load offset=48 (local.get $p)))))
        (local.set $list (i32.add (local.get $list) (i32.const 8)))
        (br_if $next (i32.lt_u (local.get $list) (local.get $end)))))
    (v128.store offset=0 (local.get $dst) (local.get $a0))
    (v128.store offset=16 (local.get $dst) (local.get $a1))
    (v128.store offset=32 (local.get $dst) (local.get $a2))
    (v128.store offset=48 (local.get $dst) (local.get $a3)))

  ;; The same for 1 vector.
  (func $chunk1 (param $list i32) (param $count i32) (param $w i32) (param $init i32) (param $dst i32)
    (local $end i32) (local $a0 v128)
    (local.set $a0 (v128.load (local.get $init)))
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
      (loop $next
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load32_splat (local.get $list))
                     (v128.load (i32.add (local.get $w) (i32.load offset=4 (local.get $list)))))))
        (local.set $list (i32.add (local.get $list) (i32.const 8)))
        (br_if $next (i32.lt_u (local.get $list) (local.get $end)))))
    (v128.store (local.get $dst) (local.get $a0)))

  ;; Runs one column chunk (size 6, 4 or 1 vectors) for each of `rows` rows: row r's list is at
  ;; lists + r * listStride with counts[r] entries, its result at dst + r * dstStride. The rows of
  ;; a block share the chunk's weight columns, which stay in L1 cache from one row to the next.
  (func $chunkRows (param $size i32) (param $lists i32) (param $listStride i32) (param $counts i32) (param $rows i32)
                   (param $w i32) (param $init i32) (param $dst i32) (param $dstStride i32)
    (loop $next
      (if (i32.eq (local.get $size) (i32.const 6))
        (then (call $chunk6 (local.get $lists) (i32.load (local.get $counts)) (local.get $w) (local.get $init) (local.get $dst)))
        (else
          (if (i32.eq (local.get $size) (i32.const 4))
            (then (call $chunk4 (local.get $lists) (i32.load (local.get $counts)) (local.get $w) (local.get $init) (local.get $dst)))
            (else (call $chunk1 (local.get $lists) (i32.load (local.get $counts)) (local.get $w) (local.get $init) (local.get $dst))))))
      (local.set $lists (i32.add (local.get $lists) (local.get $listStride)))
      (local.set $counts (i32.add (local.get $counts) (i32.const 4)))
      (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $next (local.get $rows))))

  ;; For each of `rows` rows: dst[0..widthBytes) = init + sum over the row's list, in column
  ;; chunks: 6-vector chunks, or for a narrower layer 4-vector chunks, or single vectors below 4.
  ;; A width that is not a whole number of chunks ends with a chunk overlapping the previous one:
  ;; it recomputes a few columns from `init` (never from dst), so they get the same values again.
  ;; Chunks are the outer loop and rows the inner one, so a chunk's weights are read from memory
  ;; once per block of rows, not once per row (a 90 x 92 layer, 33 kB, does not fit in L1).
  (func $accumulate (param $lists i32) (param $listStride i32) (param $counts i32) (param $rows i32)
                    (param $w i32) (param $init i32) (param $dst i32) (param $dstStride i32) (param $widthBytes i32)
    (local $col i32) (local $size i32) (local $chunkBytes i32)
    (local.set $size
      (if (result i32) (i32.ge_u (local.get $widthBytes) (i32.const 96)) (then (i32.const 6))
        (else (if (result i32) (i32.ge_u (local.get $widthBytes) (i32.const 64)) (then (i32.const 4)) (else (i32.const 1))))))
    (local.set $chunkBytes (i32.shl (local.get $size) (i32.const 4)))
    (loop $next
      (call $chunkRows (local.get $size) (local.get $lists) (local.get $listStride) (local.get $counts) (local.get $rows)
        (i32.add (local.get $w) (local.get $col)) (i32.add (local.get $init) (local.get $col))
        (i32.add (local.get $dst) (local.get $col)) (local.get $dstStride))
      (local.set $col (i32.add (local.get $col) (local.get $chunkBytes)))
      (br_if $next (i32.le_u (i32.add (local.get $col) (local.get $chunkBytes)) (local.get $widthBytes))))
    (if (i32.lt_u (local.get $col) (local.get $widthBytes))
      (then
        (local.set $col (i32.sub (local.get $widthBytes) (local.get $chunkBytes)))
        (call $chunkRows (local.get $size) (local.get $lists) (local.get $listStride) (local.get $counts) (local.get $rows)
          (i32.add (local.get $w) (local.get $col)) (i32.add (local.get $init) (local.get $col))
          (i32.add (local.get $dst) (local.get $col)) (local.get $dstStride)))))

  ;; counts[r] = the list of row r (src + r * srcStride, n values) into lists + r * listStride:
  ;; by $compactVec with the compaction table `table`, or by $compact for packed rows (table 0).
  (func $compactRows (param $src i32) (param $srcStride i32) (param $n i32) (param $rows i32)
                     (param $lists i32) (param $listStride i32) (param $counts i32) (param $rowBytes i32) (param $table i32)
    (loop $next
      (i32.store (local.get $counts)
        (if (result i32) (local.get $table)
          (then (call $compactVec (local.get $src) (local.get $n) (local.get $lists) (local.get $rowBytes) (local.get $table)))
          (else (call $compact (local.get $src) (local.get $n) (local.get $lists) (local.get $rowBytes)))))
      (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
      (local.set $lists (i32.add (local.get $lists) (local.get $listStride)))
      (local.set $counts (i32.add (local.get $counts) (i32.const 4)))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $next (local.get $rows))))

  ;; exp(x) lane-wise, float32 (Cephes expf: exp(x) = 2^n exp(r), |r| <= ln2/2, degree-6
  ;; polynomial, about 1 ulp). x is clamped to [-87.3, 88] so 2^n stays a normal float;
  ;; NaN stays NaN.
  (func $exp (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3))
                              (v128.const f32x4 88 88 88 88)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x)
      (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
                             (v128.const f32x4 1 1 1 1)))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; The hidden activation, in place over widthBytes.
  (func $activate (param $p i32) (param $widthBytes i32) (param $code i32)
    (local $end i32) (local $x v128) (local $t v128)
    (local.set $end (i32.add (local.get $p) (local.get $widthBytes)))
    ;; ReLU, the surrogates' activation, without the per-vector dispatch below.
    (if (i32.eqz (local.get $code))
      (then
        (loop $relu
          (v128.store (local.get $p) (f32x4.pmax (v128.const f32x4 0 0 0 0) (v128.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br_if $relu (i32.lt_u (local.get $p) (local.get $end))))
        (return)))
    (loop $next
      (local.set $x (v128.load (local.get $p)))
      (block $done
        (block $sigmoid
          (block $hardtanh
            (block $tanh
              (block $elu
                (block $relu
                  (br_table $relu $elu $tanh $hardtanh $sigmoid (local.get $code)))
                ;; relu: 0 < x ? x : 0
                (local.set $x (f32x4.pmax (v128.const f32x4 0 0 0 0) (local.get $x)))
                (br $done))
              ;; elu (alpha 1): x > 0 ? x : exp(x) - 1
              (local.set $x (v128.bitselect (local.get $x)
                (f32x4.sub (call $exp (local.get $x)) (v128.const f32x4 1 1 1 1))
                (f32x4.gt (local.get $x) (v128.const f32x4 0 0 0 0))))
              (br $done))
            ;; tanh: sign(x) (1 - t) / (1 + t) with t = exp(-2|x|), which cannot overflow
            (local.set $t (call $exp (f32x4.mul (f32x4.abs (local.get $x)) (v128.const f32x4 -2 -2 -2 -2))))
            (local.set $x (v128.bitselect (local.get $x)
              (f32x4.div (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $t)) (f32x4.add (v128.const f32x4 1 1 1 1) (local.get $t)))
              (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000)))
            (br $done))
          ;; hard-tanh (torch.nn.Hardtanh defaults): clamp to [-1, 1]
          (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (v128.const f32x4 -1 -1 -1 -1)) (v128.const f32x4 1 1 1 1)))
          (br $done))
        ;; sigmoid: 1 / (1 + exp(-x))
        (local.set $x (f32x4.div (v128.const f32x4 1 1 1 1)
          (f32x4.add (v128.const f32x4 1 1 1 1) (call $exp (f32x4.neg (local.get $x)))))))
      (v128.store (local.get $p) (local.get $x))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))

  ;; g *= d activation / d pre-activation, from the activation's OUTPUT y, in place over
  ;; widthBytes, with torch's conventions at the kinks (relu' = 0 at 0, hardtanh' = 0 at +-1).
  (func $derivative (param $g i32) (param $y i32) (param $widthBytes i32) (param $code i32)
    (local $end i32) (local $d v128) (local $y4 v128)
    (local.set $end (i32.add (local.get $g) (local.get $widthBytes)))
    (loop $next
      (local.set $y4 (v128.load (local.get $y)))
      (block $done
        (block $sigmoid
          (block $hardtanh
            (block $tanh
              (block $elu
                (block $relu
                  (br_table $relu $elu $tanh $hardtanh $sigmoid (local.get $code)))
                ;; relu: y > 0 (a mask, so a unit that was off gives exactly 0)
                (v128.store (local.get $g) (v128.and (v128.load (local.get $g)) (f32x4.gt (local.get $y4) (v128.const f32x4 0 0 0 0))))
                (br $done))
              ;; elu: 1 for x > 0, exp(x) = y + 1 otherwise
              (local.set $d (f32x4.add (f32x4.pmin (local.get $y4) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1)))
              (v128.store (local.get $g) (f32x4.mul (v128.load (local.get $g)) (local.get $d)))
              (br $done))
            ;; tanh: 1 - y^2
            (local.set $d (f32x4.sub (v128.const f32x4 1 1 1 1) (f32x4.mul (local.get $y4) (local.get $y4))))
            (v128.store (local.get $g) (f32x4.mul (v128.load (local.get $g)) (local.get $d)))
            (br $done))
          ;; hard-tanh: 1 strictly inside (-1, 1)
          (v128.store (local.get $g) (v128.and (v128.load (local.get $g))
            (f32x4.lt (f32x4.abs (local.get $y4)) (v128.const f32x4 1 1 1 1))))
          (br $done))
        ;; sigmoid: y (1 - y)
        (local.set $d (f32x4.mul (local.get $y4) (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $y4))))
        (v128.store (local.get $g) (f32x4.mul (v128.load (local.get $g)) (local.get $d))))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (br_if $next (i32.lt_u (local.get $g) (local.get $end)))))

  ;; rowCount rows of inputs (in0 f32 each, packed) -> outputs (outCount f32 each, packed):
  ;; MLP(x) * amplification, clamped to [clipLo, clipHi] when clip != 0. With kept != 0, also
  ;; writes each row's hidden outputs and clip gate (amplification where lo <= value <= hi, else
  ;; 0) into kept + row * stride, for $backward; the outputs are then always clamped.
  ;; Rows go through the layers in blocks of blockRows, layer by layer (see $accumulate).
  (func (export "forward") (param $ctx i32) (param $inputs i32) (param $rowCount i32) (param $outputs i32) (param $clip i32) (param $kept i32)
    (local $layerCount i32) (local $table i32) (local $code i32) (local $bufA i32) (local $bufB i32)
    (local $lists i32) (local $amp i32) (local $clipLo f32) (local $clipHi f32)
    (local $stride i32) (local $gateOffset i32) (local $blockRows i32) (local $counts i32) (local $bufStride i32)
    (local $listStride i32) (local $n i32) (local $r i32) (local $compaction i32)
    (local $l i32) (local $entry i32) (local $src i32) (local $srcStride i32) (local $dst i32) (local $dstStride i32)
    (local $last i32) (local $outCount i32) (local $in0 i32) (local $o i32) (local $v f32) (local $a f32)
    (local $keptRow i32) (local $rowOut i32)
    (local.set $layerCount (i32.load offset=0 (local.get $ctx)))
    (local.set $table (i32.load offset=4 (local.get $ctx)))
    (local.set $code (i32.load offset=8 (local.get $ctx)))
    (local.set $bufA (i32.load offset=12 (local.get $ctx)))
    (local.set $bufB (i32.load offset=16 (local.get $ctx)))
    (local.set $lists (i32.load offset=20 (local.get $ctx)))
    (local.set $amp (i32.load offset=28 (local.get $ctx)))
    (local.set $clipLo (f32.load offset=32 (local.get $ctx)))
    (local.set $clipHi (f32.load offset=36 (local.get $ctx)))
    (local.set $stride (i32.load offset=44 (local.get $ctx)))
    (local.set $gateOffset (i32.load offset=48 (local.get $ctx)))
    (local.set $blockRows (i32.load offset=24 (local.get $ctx)))
    (local.set $counts (i32.load offset=52 (local.get $ctx)))
    (local.set $bufStride (i32.load offset=56 (local.get $ctx)))
    (local.set $listStride (i32.add (i32.shl (local.get $bufStride) (i32.const 1)) (i32.const 32)))
    (local.set $compaction (i32.load offset=60 (local.get $ctx)))
    (local.set $last (i32.sub (local.get $layerCount) (i32.const 1)))
    (local.set $in0 (i32.load offset=0 (local.get $table)))
    (local.set $outCount (i32.load offset=4 (i32.add (local.get $table) (i32.shl (local.get $last) (i32.const 5)))))
    (if (i32.ne (local.get $kept) (i32.const 0)) (then (local.set $clip (i32.const 1))))
    (local.set $keptRow (local.get $kept))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rowCount)))
      (loop $blocks
        (local.set $n (select (local.get $blockRows) (local.get $rowCount) (i32.lt_u (local.get $blockRows) (local.get $rowCount))))
        (local.set $src (local.get $inputs))
        (local.set $srcStride (i32.shl (local.get $in0) (i32.const 2)))
        (local.set $l (i32.const 0))
        (loop $layers
          (local.set $entry (i32.add (local.get $table) (i32.shl (local.get $l) (i32.const 5))))
          ;; The first layer's src is the packed input rows, the others' whole vectors.
          (call $compactRows (local.get $src) (local.get $srcStride) (i32.load offset=0 (local.get $entry)) (local.get $n)
            (local.get $lists) (local.get $listStride) (local.get $counts) (i32.load offset=12 (local.get $entry))
            (select (local.get $compaction) (i32.const 0) (local.get $l)))
          (if (i32.and (i32.ne (local.get $kept) (i32.const 0)) (i32.lt_u (local.get $l) (local.get $last)))
            (then
              (local.set $dst (i32.add (local.get $keptRow) (i32.load offset=28 (local.get $entry))))
              (local.set $dstStride (local.get $stride)))
            (else
              (local.set $dst (select (local.get $bufB) (local.get $bufA) (i32.and (local.get $l) (i32.const 1))))
              (local.set $dstStride (local.get $bufStride))))
          (call $accumulate (local.get $lists) (local.get $listStride) (local.get $counts) (local.get $n)
            (i32.load offset=16 (local.get $entry)) (i32.load offset=24 (local.get $entry))
            (local.get $dst) (local.get $dstStride) (i32.load offset=12 (local.get $entry)))
          (if (i32.lt_u (local.get $l) (local.get $last))
            (then
              (local.set $r (i32.const 0))
              (loop $activateRows
                (call $activate (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $dstStride)))
                  (i32.load offset=12 (local.get $entry)) (local.get $code))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br_if $activateRows (i32.lt_u (local.get $r) (local.get $n))))))
          (local.set $src (local.get $dst))
          (local.set $srcStride (local.get $dstStride))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br_if $layers (i32.lt_u (local.get $l) (local.get $layerCount))))
        ;; The output units of each row: amplification (float32, as tfjs's mul), gate, clamp.
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $rowOut (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $srcStride))))
          (local.set $o (i32.const 0))
          (loop $outs
            (local.set $a (f32.load (i32.add (local.get $amp) (i32.shl (local.get $o) (i32.const 2)))))
            (local.set $v (f32.mul (f32.load (i32.add (local.get $rowOut) (i32.shl (local.get $o) (i32.const 2)))) (local.get $a)))
            (if (local.get $kept)
              (then
                (f32.store (i32.add (i32.add (local.get $keptRow) (local.get $gateOffset)) (i32.shl (local.get $o) (i32.const 2)))
                  (select (local.get $a) (f32.const 0)
                    (i32.and (f32.ge (local.get $v) (local.get $clipLo)) (f32.le (local.get $v) (local.get $clipHi)))))))
            (if (local.get $clip)
              (then
                (if (f32.lt (local.get $v) (local.get $clipLo)) (then (local.set $v (local.get $clipLo))))
                (if (f32.gt (local.get $v) (local.get $clipHi)) (then (local.set $v (local.get $clipHi))))))
            (f32.store (local.get $outputs) (local.get $v))
            (local.set $outputs (i32.add (local.get $outputs) (i32.const 4)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br_if $outs (i32.lt_u (local.get $o) (local.get $outCount))))
          (local.set $keptRow (i32.add (local.get $keptRow) (local.get $stride)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $r) (local.get $n))))
        (local.set $inputs (i32.add (local.get $inputs) (i32.mul (local.get $n) (i32.shl (local.get $in0) (i32.const 2)))))
        (local.set $rowCount (i32.sub (local.get $rowCount) (local.get $n)))
        (br_if $blocks (local.get $rowCount)))))

  ;; d loss / d inputs for rowCount rows: outputGradient (outCount f32 per row, packed) times the
  ;; kept clip gate, then back through the layers with W's rows and the activation derivative
  ;; from the kept hidden outputs; writes in0 f32 per row (packed) to gradients. In blocks of
  ;; blockRows rows, layer by layer, as the forward.
  (func (export "backward") (param $ctx i32) (param $kept i32) (param $outputGradient i32) (param $rowCount i32) (param $gradients i32)
    (local $layerCount i32) (local $table i32) (local $code i32) (local $bufA i32) (local $bufB i32)
    (local $lists i32) (local $zeros i32) (local $stride i32) (local $gateOffset i32)
    (local $blockRows i32) (local $counts i32) (local $bufStride i32) (local $listStride i32) (local $n i32) (local $r i32) (local $compaction i32)
    (local $l i32) (local $entry i32) (local $src i32) (local $dst i32) (local $rowBuf i32) (local $keptRow i32)
    (local $outCount i32) (local $in0 i32) (local $o i32) (local $i i32)
    (local.set $layerCount (i32.load offset=0 (local.get $ctx)))
    (local.set $table (i32.load offset=4 (local.get $ctx)))
    (local.set $code (i32.load offset=8 (local.get $ctx)))
    (local.set $bufA (i32.load offset=12 (local.get $ctx)))
    (local.set $bufB (i32.load offset=16 (local.get $ctx)))
    (local.set $lists (i32.load offset=20 (local.get $ctx)))
    (local.set $zeros (i32.load offset=40 (local.get $ctx)))
    (local.set $stride (i32.load offset=44 (local.get $ctx)))
    (local.set $gateOffset (i32.load offset=48 (local.get $ctx)))
    (local.set $blockRows (i32.load offset=24 (local.get $ctx)))
    (local.set $counts (i32.load offset=52 (local.get $ctx)))
    (local.set $bufStride (i32.load offset=56 (local.get $ctx)))
    (local.set $listStride (i32.add (i32.shl (local.get $bufStride) (i32.const 1)) (i32.const 32)))
    (local.set $compaction (i32.load offset=60 (local.get $ctx)))
    (local.set $in0 (i32.load offset=0 (local.get $table)))
    (local.set $outCount (i32.load offset=4 (i32.add (local.get $table) (i32.shl (i32.sub (local.get $layerCount) (i32.const 1)) (i32.const 5)))))
    (block $rowsDone
      (br_if $rowsDone (i32.eqz (local.get $rowCount)))
      (loop $blocks
        (local.set $n (select (local.get $blockRows) (local.get $rowCount) (i32.lt_u (local.get $blockRows) (local.get $rowCount))))
        ;; Each row's output gradient times its clip gate, into bufA.
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $rowBuf (i32.add (local.get $bufA) (i32.mul (local.get $r) (local.get $bufStride))))
          (local.set $keptRow (i32.add (local.get $kept) (i32.mul (local.get $r) (local.get $stride))))
          (local.set $o (i32.const 0))
          (loop $outs
            (f32.store (i32.add (local.get $rowBuf) (i32.shl (local.get $o) (i32.const 2)))
              (f32.mul (f32.load (local.get $outputGradient))
                (f32.load (i32.add (i32.add (local.get $keptRow) (local.get $gateOffset)) (i32.shl (local.get $o) (i32.const 2))))))
            (local.set $outputGradient (i32.add (local.get $outputGradient) (i32.const 4)))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (br_if $outs (i32.lt_u (local.get $o) (local.get $outCount))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $r) (local.get $n))))
        (local.set $src (local.get $bufA))
        (local.set $l (local.get $layerCount))
        (loop $layers
          (local.set $l (i32.sub (local.get $l) (i32.const 1)))
          (local.set $entry (i32.add (local.get $table) (i32.shl (local.get $l) (i32.const 5))))
          (call $compactRows (local.get $src) (local.get $bufStride) (i32.load offset=4 (local.get $entry)) (local.get $n)
            (local.get $lists) (local.get $listStride) (local.get $counts) (i32.load offset=8 (local.get $entry)) (local.get $compaction))
          (local.set $dst (select (local.get $bufB) (local.get $bufA) (i32.eq (local.get $src) (local.get $bufA))))
          (call $accumulate (local.get $lists) (local.get $listStride) (local.get $counts) (local.get $n)
            (i32.load offset=20 (local.get $entry)) (local.get $zeros) (local.get $dst) (local.get $bufStride) (i32.load offset=8 (local.get $entry)))
          (if (local.get $l)
            (then
              (local.set $r (i32.const 0))
              (loop $derivativeRows
                (call $derivative (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $bufStride)))
                  (i32.add (i32.add (local.get $kept) (i32.mul (local.get $r) (local.get $stride)))
                    (i32.load offset=28 (i32.sub (local.get $entry) (i32.const 32))))
                  (i32.load offset=8 (local.get $entry)) (local.get $code))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br_if $derivativeRows (i32.lt_u (local.get $r) (local.get $n))))))
          (local.set $src (local.get $dst))
          (br_if $layers (local.get $l)))
        ;; Each row's input gradient, packed.
        (local.set $r (i32.const 0))
        (loop $rows
          (local.set $rowBuf (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $bufStride))))
          (local.set $i (i32.const 0))
          (loop $ins
            (f32.store (local.get $gradients) (f32.load (i32.add (local.get $rowBuf) (i32.shl (local.get $i) (i32.const 2)))))
            (local.set $gradients (i32.add (local.get $gradients) (i32.const 4)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $ins (i32.lt_u (local.get $i) (local.get $in0))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $r) (local.get $n))))
        (local.set $kept (i32.add (local.get $kept) (i32.mul (local.get $n) (local.get $stride))))
        (local.set $rowCount (i32.sub (local.get $rowCount) (local.get $n)))
        (br_if $blocks (local.get $rowCount)))))
)
