;; The byte scan behind the line splitter's clean-line test (byte-scan.ts loads it).
;; One exported function over a block of console bytes that the caller copies into
;; this module's memory at offset 0:
;;
;;   dirty(from, to) -> the first offset i in [from, to) whose byte makes a line need
;;   cleaning: a C0 control other than TAB, LF and CR; DEL; or a CR that is not
;;   followed by LF (a CR at to - 1 counts, since what follows it is not known).
;;   Returns `to` when there is none.
;;
;; It looks at 16 bytes per step with WebAssembly SIMD (comparisons whose lanes become a
;; bit mask; the lowest set bit is the first such byte), and at the last few bytes one
;; by one. This is the question the splitter's DIRTY regular expression answers for a
;; string; for ASCII blocks this scan answers it about ten times faster.
;; Build: node scripts/build-wasm.ts (wat2wasm from the wabt package).
(module
  ;; Two pages (128 KiB): a block is at most 64 KiB, and the vector loop reads one byte
  ;; past the 16 it checks.
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
)
