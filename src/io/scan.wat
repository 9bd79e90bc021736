;; The string scanner of the byte-level JSON parser (rawjson.ts), as WebAssembly with 128-bit SIMD: it looks at
;; sixteen bytes at a time for the end of a run of plain string content (a quote, a backslash, a byte below 0x20)
;; and passes the escapes it can validate itself, without returning to JavaScript for each one (a `\n` about every
;; fifty bytes of real text).
;;
;; scan(p): from address p, the address q of the first quote, control byte, or escape it leaves to JavaScript
;; (`\u0000`, a lone surrogate, anything that is no JSON escape: JavaScript checks it again and decides), returned
;; as q * 2 + 1 when an escape was passed on the way (else q * 2). Memory bytes 0-3 get the address of the first
;; escape JSON.stringify writes otherwise (`\/`, `\uXXXX`), or -1. The record must be followed by at least 16 zero
;; bytes: a zero is a control byte, so the scan stops there, and the loads never pass them.
;;
;; Compiled by scripts/build-wasm.mjs into scan-wasm.ts (test/io/scan-wasm.test.ts checks that they agree).
(module
  (memory (export "memory") 1)
  (func $digit (param $c i32) (result i32)
    (local $d i32)
    (local.set $d (i32.sub (local.get $c) (i32.const 0x30)))
    (if (i32.lt_u (local.get $d) (i32.const 10)) (then (return (local.get $d))))
    (local.set $d (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)))
    (if (i32.lt_u (local.get $d) (i32.const 6)) (then (return (i32.add (local.get $d) (i32.const 10)))))
    (i32.const 0x100))
  (func $hex4 (param $a i32) (result i32)
    (local $d0 i32) (local $d1 i32) (local $d2 i32) (local $d3 i32)
    (local.set $d0 (call $digit (i32.load8_u (local.get $a))))
    (local.set $d1 (call $digit (i32.load8_u offset=1 (local.get $a))))
    (local.set $d2 (call $digit (i32.load8_u offset=2 (local.get $a))))
    (local.set $d3 (call $digit (i32.load8_u offset=3 (local.get $a))))
    (if (i32.and (i32.or (i32.or (local.get $d0) (local.get $d1)) (i32.or (local.get $d2) (local.get $d3)))
                 (i32.const 0xfff0))
      (then (return (i32.const -1))))
    (i32.or
      (i32.or (i32.shl (local.get $d0) (i32.const 12)) (i32.shl (local.get $d1) (i32.const 8)))
      (i32.or (i32.shl (local.get $d2) (i32.const 4)) (local.get $d3))))
  (func $change (param $q i32)
    (if (i32.lt_s (i32.load (i32.const 0)) (i32.const 0)) (then (i32.store (i32.const 0) (local.get $q)))))
  (func (export "scan") (param $p i32) (result i32)
    (local $esc i32) (local $m i32) (local $q i32) (local $v v128) (local $e i32) (local $cp i32) (local $lo i32)
    (i32.store (i32.const 0) (i32.const -1))
    (block $done
      (loop $next
        (block $found
          (loop $blocks
            (local.set $v (v128.load align=1 (local.get $p)))
            (local.set $m
              (i8x16.bitmask
                (v128.or
                  (v128.or
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x22)))
                    (i8x16.eq (local.get $v) (i8x16.splat (i32.const 0x5c))))
                  (i8x16.lt_u (local.get $v) (i8x16.splat (i32.const 0x20))))))
            (br_if $found (local.get $m))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $blocks)))
        (local.set $q (i32.add (local.get $p) (i32.ctz (local.get $m))))
        (br_if $done (i32.ne (i32.load8_u (local.get $q)) (i32.const 0x5c)))
        (local.set $e (i32.load8_u offset=1 (local.get $q)))
        (if (i32.or
              (i32.or
                (i32.or (i32.eq (local.get $e) (i32.const 0x6e)) (i32.eq (local.get $e) (i32.const 0x22)))
                (i32.or (i32.eq (local.get $e) (i32.const 0x5c)) (i32.eq (local.get $e) (i32.const 0x72))))
              (i32.or
                (i32.or (i32.eq (local.get $e) (i32.const 0x74)) (i32.eq (local.get $e) (i32.const 0x62)))
                (i32.eq (local.get $e) (i32.const 0x66))))
          (then
            (local.set $esc (i32.const 1))
            (local.set $p (i32.add (local.get $q) (i32.const 2)))
            (br $next)))
        (if (i32.eq (local.get $e) (i32.const 0x2f))
          (then
            (local.set $esc (i32.const 1))
            (call $change (local.get $q))
            (local.set $p (i32.add (local.get $q) (i32.const 2)))
            (br $next)))
        (br_if $done (i32.ne (local.get $e) (i32.const 0x75)))
        (local.set $cp (call $hex4 (i32.add (local.get $q) (i32.const 2))))
        (br_if $done (i32.lt_s (local.get $cp) (i32.const 1)))
        (br_if $done (i32.eq (i32.and (local.get $cp) (i32.const 0xfc00)) (i32.const 0xdc00)))
        (if (i32.eq (i32.and (local.get $cp) (i32.const 0xfc00)) (i32.const 0xd800))
          (then
            (br_if $done (i32.ne (i32.load8_u offset=6 (local.get $q)) (i32.const 0x5c)))
            (br_if $done (i32.ne (i32.load8_u offset=7 (local.get $q)) (i32.const 0x75)))
            (local.set $lo (call $hex4 (i32.add (local.get $q) (i32.const 8))))
            (br_if $done (i32.ne (i32.and (local.get $lo) (i32.const 0xfc00)) (i32.const 0xdc00)))
            (local.set $esc (i32.const 1))
            (call $change (local.get $q))
            (local.set $p (i32.add (local.get $q) (i32.const 12)))
            (br $next)))
        (local.set $esc (i32.const 1))
        (call $change (local.get $q))
        (local.set $p (i32.add (local.get $q) (i32.const 6)))
        (br $next)))
    (i32.or (i32.shl (local.get $q) (i32.const 1)) (local.get $esc))))
