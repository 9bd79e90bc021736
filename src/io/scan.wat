;; The string scanner of the byte-level JSON parser (rawjson.ts), as WebAssembly with 128-bit SIMD: it looks at
;; sixteen bytes at a time for the end of a run of plain string content (a quote, a backslash, a byte below 0x20)
;; and passes the escapes it can validate itself, without returning to JavaScript for each one (a `\n` about every
;; fifty bytes of real text).
;;
;; scan(p): from address p, the address q of the first quote, control byte, or escape it does not take (`\u0000`,
;; a lone surrogate, anything that is no JSON escape: the record then goes to the plain path, JSON.parse), returned
;; as q * 2 + 1 when an escape was passed on the way (else q * 2). Memory bytes 0-3 get the address of the first
;; escape JSON.stringify writes otherwise (`\/`, `\uXXXX`), or -1. The record must be followed by at least 16 zero
;; bytes: a zero is a control byte, so the scan stops there, and the loads never pass them.
;;
;; same(a, b, n): 1 when the n bytes at a and at b are equal, else 0 (a string seen before in the record, found
;; again without a call into C++ for each comparison).
;;
;; canon(k, to, first, o): the string content at [k, to), whose escapes scan validated, written at o in the form
;; JSON.stringify writes (first: its first escape that changes); returns the end of what it wrote. See canonicalJson
;; in rawjson.ts. It writes at most to - k bytes, and reads at most 16 bytes past `to` (the zero bytes after the record).
;;
;; Compiled by scripts/build-wasm.mjs into scan-wasm.ts (test/io/scan-wasm.test.ts checks that they agree).
(module
  (memory (export "memory") 1)
  ;; A hex digit's value, or 0x100 for any other byte (inlined by hand: V8 does not inline WebAssembly calls).
  (func $hex4 (param $a i32) (result i32)
    (local $c i32) (local $d i32) (local $l i32) (local $k i32) (local $v i32)
    (local.set $k (i32.const 0))
    (loop $digits
      (local.set $c (i32.load8_u (i32.add (local.get $a) (local.get $k))))
      (local.set $d (i32.sub (local.get $c) (i32.const 0x30)))
      (local.set $l (i32.sub (i32.or (local.get $c) (i32.const 0x20)) (i32.const 0x61)))
      (local.set $v
        (i32.or (i32.shl (local.get $v) (i32.const 4))
          (select (local.get $d)
            (select (i32.add (local.get $l) (i32.const 10)) (i32.const 0x10000) (i32.lt_u (local.get $l) (i32.const 6)))
            (i32.lt_u (local.get $d) (i32.const 10)))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $digits (i32.lt_u (local.get $k) (i32.const 4))))
    ;; A byte that is no hex digit set a bit at 16 or above.
    (select (i32.const -1) (local.get $v) (i32.gt_u (local.get $v) (i32.const 0xffff))))
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
    (i32.or (i32.shl (local.get $q) (i32.const 1)) (local.get $esc)))
  (func (export "same") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (block $tail
      (loop $blocks
        (br_if $tail (i32.lt_u (local.get $n) (i32.const 16)))
        (if (i32.eqz (i8x16.all_true (i8x16.eq (v128.load align=1 (local.get $a)) (v128.load align=1 (local.get $b)))))
          (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (local.set $n (i32.sub (local.get $n) (i32.const 16)))
        (br $blocks)))
    (block $done
      (loop $bytes
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))) (then (return (i32.const 0))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $bytes)))
    (i32.const 1))
  ;; A hex digit's character, lower case (JSON.stringify writes \u001f).
  (func $hexDigit (param $d i32) (result i32)
    (select (i32.add (local.get $d) (i32.const 0x30)) (i32.add (local.get $d) (i32.const 0x57))
      (i32.lt_u (local.get $d) (i32.const 10))))
  (func (export "canon") (param $k i32) (param $to i32) (param $first i32) (param $o i32) (result i32)
    (local $e i32) (local $cp i32) (local $short i32) (local $r i32) (local $m i32)
    (memory.copy (local.get $o) (local.get $k) (i32.sub (local.get $first) (local.get $k)))
    (local.set $o (i32.add (local.get $o) (i32.sub (local.get $first) (local.get $k))))
    (local.set $k (local.get $first))
    (block $end
      (loop $escape
        (br_if $end (i32.ge_u (local.get $k) (local.get $to)))
        ;; k is at a backslash.
        (local.set $e (i32.load8_u offset=1 (local.get $k)))
        (if (i32.eq (local.get $e) (i32.const 0x75))
          (then
            (local.set $cp (call $hex4 (i32.add (local.get $k) (i32.const 2))))
            (local.set $k (i32.add (local.get $k) (i32.const 6)))
            (if (i32.eq (i32.and (local.get $cp) (i32.const 0xfc00)) (i32.const 0xd800))
              (then
                (local.set $cp
                  (i32.add
                    (i32.add (i32.const 0x10000) (i32.shl (i32.sub (local.get $cp) (i32.const 0xd800)) (i32.const 10)))
                    (i32.sub (call $hex4 (i32.add (local.get $k) (i32.const 2))) (i32.const 0xdc00))))
                (local.set $k (i32.add (local.get $k) (i32.const 6)))))
            (block $written
              (if (i32.lt_u (local.get $cp) (i32.const 0x20))
                (then
                  (local.set $short
                    (select (i32.const 0x62)
                      (select (i32.const 0x74)
                        (select (i32.const 0x6e)
                          (select (i32.const 0x66)
                            (select (i32.const 0x72) (i32.const 0) (i32.eq (local.get $cp) (i32.const 13)))
                            (i32.eq (local.get $cp) (i32.const 12)))
                          (i32.eq (local.get $cp) (i32.const 10)))
                        (i32.eq (local.get $cp) (i32.const 9)))
                      (i32.eq (local.get $cp) (i32.const 8))))
                  (i32.store8 (local.get $o) (i32.const 0x5c))
                  (if (local.get $short)
                    (then
                      (i32.store8 offset=1 (local.get $o) (local.get $short))
                      (local.set $o (i32.add (local.get $o) (i32.const 2)))
                      (br $written)))
                  (i32.store8 offset=1 (local.get $o) (i32.const 0x75))
                  (i32.store8 offset=2 (local.get $o) (i32.const 0x30))
                  (i32.store8 offset=3 (local.get $o) (i32.const 0x30))
                  (i32.store8 offset=4 (local.get $o) (call $hexDigit (i32.shr_u (local.get $cp) (i32.const 4))))
                  (i32.store8 offset=5 (local.get $o) (call $hexDigit (i32.and (local.get $cp) (i32.const 15))))
                  (local.set $o (i32.add (local.get $o) (i32.const 6)))
                  (br $written)))
              (if (i32.or (i32.eq (local.get $cp) (i32.const 0x22)) (i32.eq (local.get $cp) (i32.const 0x5c)))
                (then
                  (i32.store8 (local.get $o) (i32.const 0x5c))
                  (i32.store8 offset=1 (local.get $o) (local.get $cp))
                  (local.set $o (i32.add (local.get $o) (i32.const 2)))
                  (br $written)))
              (if (i32.lt_u (local.get $cp) (i32.const 0x80))
                (then
                  (i32.store8 (local.get $o) (local.get $cp))
                  (local.set $o (i32.add (local.get $o) (i32.const 1)))
                  (br $written)))
              (if (i32.lt_u (local.get $cp) (i32.const 0x800))
                (then
                  (i32.store8 (local.get $o) (i32.or (i32.const 0xc0) (i32.shr_u (local.get $cp) (i32.const 6))))
                  (i32.store8 offset=1 (local.get $o) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3f))))
                  (local.set $o (i32.add (local.get $o) (i32.const 2)))
                  (br $written)))
              (if (i32.lt_u (local.get $cp) (i32.const 0x10000))
                (then
                  (i32.store8 (local.get $o) (i32.or (i32.const 0xe0) (i32.shr_u (local.get $cp) (i32.const 12))))
                  (i32.store8 offset=1 (local.get $o)
                    (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3f))))
                  (i32.store8 offset=2 (local.get $o) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3f))))
                  (local.set $o (i32.add (local.get $o) (i32.const 3)))
                  (br $written)))
              (i32.store8 (local.get $o) (i32.or (i32.const 0xf0) (i32.shr_u (local.get $cp) (i32.const 18))))
              (i32.store8 offset=1 (local.get $o)
                (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 12)) (i32.const 0x3f))))
              (i32.store8 offset=2 (local.get $o)
                (i32.or (i32.const 0x80) (i32.and (i32.shr_u (local.get $cp) (i32.const 6)) (i32.const 0x3f))))
              (i32.store8 offset=3 (local.get $o) (i32.or (i32.const 0x80) (i32.and (local.get $cp) (i32.const 0x3f))))
              (local.set $o (i32.add (local.get $o) (i32.const 4)))))
          (else
            (if (i32.eq (local.get $e) (i32.const 0x2f))
              (then
                (i32.store8 (local.get $o) (i32.const 0x2f))
                (local.set $o (i32.add (local.get $o) (i32.const 1))))
              (else
                (i32.store8 (local.get $o) (i32.const 0x5c))
                (i32.store8 offset=1 (local.get $o) (local.get $e))
                (local.set $o (i32.add (local.get $o) (i32.const 2)))))
            (local.set $k (i32.add (local.get $k) (i32.const 2)))))
        ;; The bytes up to the next backslash (or the end) are copied as they are.
        (local.set $r (local.get $k))
        (block $stop
          (loop $blocks
            (br_if $stop (i32.ge_u (local.get $r) (local.get $to)))
            (local.set $m
              (i8x16.bitmask (i8x16.eq (v128.load align=1 (local.get $r)) (i8x16.splat (i32.const 0x5c)))))
            (if (local.get $m)
              (then
                (local.set $r (i32.add (local.get $r) (i32.ctz (local.get $m))))
                (br $stop)))
            (local.set $r (i32.add (local.get $r) (i32.const 16)))
            (br $blocks)))
        (if (i32.gt_u (local.get $r) (local.get $to)) (then (local.set $r (local.get $to))))
        (memory.copy (local.get $o) (local.get $k) (i32.sub (local.get $r) (local.get $k)))
        (local.set $o (i32.add (local.get $o) (i32.sub (local.get $r) (local.get $k))))
        (local.set $k (local.get $r))
        (br $escape)))
    (local.get $o))
)
