;; The byte scans behind the line splitter (byte-scan.ts loads them). Functions over a
;; block of console bytes that the caller copies into this module's memory at offset 0
;; (dirty and find are asked of its ASCII parts; high finds where those end):
;;
;;   dirty(from, to) -> the first offset i in [from, to) whose byte makes a line need
;;   cleaning: a C0 control other than TAB, LF and CR; DEL; or a CR that is not
;;   followed by LF (a CR at to - 1 counts, since what follows it is not known).
;;   Returns `to` when there is none.
;;
;;   high(from, to) -> the first offset in [from, to) of a byte above 0x7f, or `to`.
;;
;;   find(from, to, table) -> where the first occurrence of one of a set of literals
;;   (each at least 4 bytes long) starts in [from, to), the whole literal inside it, or
;;   -1. `table` is the offset of the set's tables in this memory (byte-scan.ts writes
;;   them):
;;     table + 16:     bits, 8192 bytes: bit h is set when some literal's first four
;;                     bytes hash to h (the hash: those bytes as a big-endian u32, times
;;                     0x9e3779b1, the top 16 bits)
;;     table + 8208:   heads, 65536 little-endian u16: for hash h, 1 + the offset in the
;;                     pool of the literals whose first four bytes hash to it (0: none)
;;     table + 139280: pool: records of one length byte and the literal's bytes; a
;;                     literal list ends with a length byte of 0
;;   Every position's last four bytes are hashed (no position waits on the one before,
;;   unlike a Wu-Manber jump), and only a set bit leads to comparing literals in place.
;;   It answers what literal-scan.ts's search answers on strings.
;;
;; dirty looks at 16 bytes per step with WebAssembly SIMD (comparisons whose lanes become a
;; bit mask; the lowest set bit is the first such byte), and at the last few bytes one
;; by one. This is the question the splitter's DIRTY regular expression answers for a
;; string; for ASCII blocks this scan answers it about ten times faster.
;; Build: node scripts/build-wasm.ts (wat2wasm from the wabt package).
(module
  ;; Two pages to start (128 KiB): a block is at most 64 KiB, and the vector loop reads
  ;; one byte past the 16 it checks. Literal tables go above, in pages grown for them.
  (memory (export "memory") 2)
  (func (export "dirty") (param $from i32) (param $to i32) (result i32)
    (local $i i32) (local $v v128) (local $cr v128) (local $hit v128) (local $c i32)
    (local.set $i (local.get $from))
    ;; 16 bytes at a time while the byte after them is still inside the block.
    (block $vectors_done
      (loop $vectors
        (br_if $vectors_done (i32.ge_u (i32.add (local.get $i) (i32.const 16)) (local.get $to)))
        (local.set $v (v128.load (local.get $i)))
        (local.set $cr (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13))))
        (local.set $hit
          (v128.or
            (v128.or
              ;; below 0x20, but not TAB, LF or CR
              (v128.andnot
                (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20)))
                (v128.or
                  (v128.or
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 9)))
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10))))
                  (local.get $cr)))
              ;; DEL
              (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x7f))))
            ;; a CR whose next byte is not LF
            (v128.andnot
              (local.get $cr)
              (i8x16.eq (v128.load offset=1 (local.get $i)) (i8x16.splat (i32.const 10))))))
        (if (v128.any_true (local.get $hit))
          (then (return (i32.add (local.get $i) (i32.ctz (i8x16.bitmask (local.get $hit)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    ;; The rest, one byte at a time.
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $c (i32.load8_u (local.get $i)))
        (if (i32.eq (local.get $c) (i32.const 13))
          (then
            (if (i32.or
                  (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $to))
                  (i32.ne (i32.load8_u offset=1 (local.get $i)) (i32.const 10)))
              (then (return (local.get $i))))))
        (if (i32.or
              (i32.and
                (i32.lt_u (local.get $c) (i32.const 0x20))
                (i32.and
                  (i32.ne (local.get $c) (i32.const 9))
                  (i32.and (i32.ne (local.get $c) (i32.const 10)) (i32.ne (local.get $c) (i32.const 13)))))
              (i32.eq (local.get $c) (i32.const 0x7f)))
          (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (local.get $to))
  ;; high(from, to) -> the first offset in [from, to) of a byte above 0x7f (not ASCII),
  ;; or `to`. The bit mask of a vector's lanes is made of their high bits, so one step
  ;; answers for 16 bytes.
  (func (export "high") (param $from i32) (param $to i32) (result i32)
    (local $i i32) (local $mask i32)
    (local.set $i (local.get $from))
    (block $vectors_done
      (loop $vectors
        (br_if $vectors_done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $to)))
        (local.set $mask (i8x16.bitmask (v128.load (local.get $i))))
        (if (local.get $mask) (then (return (i32.add (local.get $i) (i32.ctz (local.get $mask))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vectors)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $i) (local.get $to)))
        (if (i32.ge_u (i32.load8_u (local.get $i)) (i32.const 0x80)) (then (return (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $bytes)))
    (local.get $to))

  (func (export "find") (param $from i32) (param $to i32) (param $t i32) (result i32)
    (local $i i32) (local $w i32) (local $h i32) (local $p i32) (local $len i32) (local $x i32) (local $start i32)
    (if (i32.lt_u (i32.sub (local.get $to) (local.get $from)) (i32.const 4)) (then (return (i32.const -1))))
    ;; $w holds the last four bytes read, the newest in its low byte
    (local.set $w
      (i32.or
        (i32.or
          (i32.shl (i32.load8_u (local.get $from)) (i32.const 16))
          (i32.shl (i32.load8_u offset=1 (local.get $from)) (i32.const 8)))
        (i32.load8_u offset=2 (local.get $from))))
    (local.set $i (i32.add (local.get $from) (i32.const 3)))
    (block $none
      (loop $byte
        (br_if $none (i32.ge_u (local.get $i) (local.get $to)))
        (local.set $w (i32.or (i32.shl (local.get $w) (i32.const 8)) (i32.load8_u (local.get $i))))
        (local.set $h (i32.shr_u (i32.mul (local.get $w) (i32.const 0x9e3779b1)) (i32.const 16)))
        (if (i32.and
              (i32.load8_u offset=16 (i32.add (local.get $t) (i32.shr_u (local.get $h) (i32.const 3))))
              (i32.shl (i32.const 1) (i32.and (local.get $h) (i32.const 7))))
          (then
            (local.set $start (i32.sub (local.get $i) (i32.const 3)))
            (local.set $p (i32.load16_u offset=8208 (i32.add (local.get $t) (i32.shl (local.get $h) (i32.const 1)))))
            ;; the record of the first literal in this hash's list (pool at table + 139280)
            (local.set $p (i32.add (i32.add (local.get $t) (i32.const 139279)) (local.get $p)))
            (block $list_done
              (loop $literal
                (local.set $len (i32.load8_u (local.get $p)))
                (br_if $list_done (i32.eqz (local.get $len)))
                (if (i32.le_u (i32.add (local.get $start) (local.get $len)) (local.get $to))
                  (then
                    (local.set $x (i32.const 0))
                    (block $differs
                      (loop $compare
                        (if (i32.ge_u (local.get $x) (local.get $len)) (then (return (local.get $start))))
                        (br_if $differs
                          (i32.ne
                            (i32.load8_u (i32.add (local.get $start) (local.get $x)))
                            (i32.load8_u offset=1 (i32.add (local.get $p) (local.get $x)))))
                        (local.set $x (i32.add (local.get $x) (i32.const 1)))
                        (br $compare)))))
                (local.set $p (i32.add (local.get $p) (i32.add (local.get $len) (i32.const 1))))
                (br $literal)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (i32.const -1))
)
