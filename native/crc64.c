/*
 * CRC-64/XZ ("crc64ecma" in OSS: reflected polynomial 0xC96C5795D7870F42) as an optional Node-API addon, loaded by
 * src/io/crc64-native.ts; without it the WebAssembly kernel (src/core/crc64-wasm.ts) does the same job.
 *
 * update(register, data[, offset, length]) advances the inverted register (a BigInt, as crc64.ts keeps it) over the
 * bytes of a Uint8Array or Buffer, read in place, and returns the new register. `kernel` names the loop in use.
 *
 * Two loops, chosen once per process by what the CPU has (the constructor below):
 * - x86 with PCLMULQDQ and SSE4.1: carry-less multiplication folding, as in Intel's "Fast CRC Computation for
 *   Generic Polynomials Using PCLMULQDQ Instruction" (zlib-ng, crc64fast and Linux's crc64 do the same): eight
 *   16-byte lanes folded forward 128 bytes at a time, then joined into one, then 16 bytes at a time. The last 16-byte
 *   accumulator and the tail (under 16 bytes) go through the byte table instead of a Barrett reduction: the
 *   accumulator X stands for the message X, so its CRC from a zero register is the answer (a few ns per call).
 * - everything else (aarch64, old x86): portable slicing-by-8 over u64. aarch64's PMULL is not used.
 *
 * Folding constants are computed here, not copied: in the reflected representation (bit i of a u64 is the
 * coefficient of x^(63-i)) a carry-less product of two u64 lands one bit short of the 128-bit reflected layout, so
 * folding a 128-bit value D bits forward multiplies its low half (higher degrees) by x^(D+63) mod P and its high half
 * by x^(D-1) mod P. For CRC-64/XZ x^127 mod P = 0xdabe95afc7875f40 and x^191 mod P = 0xe05dd497ca393ae4 (crc64fast's
 * K_127 and K_191), which test/core/crc64-native.test.ts checks against the byte-at-a-time reference.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "md5.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define OSSUP_X86 1
#endif

#define POLY 0xC96C5795D7870F42ULL

static uint64_t table[8][256];
static int use_pclmul;
/* x^127, x^191, x^1023, x^1087 mod P, reflected. */
static uint64_t k127, k191, k1023, k1087;

static uint64_t xpow_mod(int n) {
  uint64_t v = 1ULL << 63; /* x^0 */
  for (int i = 0; i < n; i++) v = (v & 1) ? (v >> 1) ^ POLY : v >> 1;
  return v;
}

__attribute__((constructor)) static void crc64_init(void) {
  for (int i = 0; i < 256; i++) {
    uint64_t c = (uint64_t)i;
    for (int b = 0; b < 8; b++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
    table[0][i] = c;
  }
  for (int k = 1; k < 8; k++)
    for (int i = 0; i < 256; i++) table[k][i] = table[0][table[k - 1][i] & 0xff] ^ (table[k - 1][i] >> 8);
  k127 = xpow_mod(127);
  k191 = xpow_mod(191);
  k1023 = xpow_mod(1023);
  k1087 = xpow_mod(1087);
#ifdef OSSUP_X86
  __builtin_cpu_init();
  use_pclmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
}

static uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static uint64_t update_portable(uint64_t reg, const uint8_t *p, size_t n) {
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v = reg ^ load64(p);
    reg = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^ table[5][(v >> 16) & 0xff] ^ table[4][(v >> 24) & 0xff] ^
          table[3][(v >> 32) & 0xff] ^ table[2][(v >> 40) & 0xff] ^ table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
  }
  while (n--) reg = table[0][(reg ^ *p++) & 0xff] ^ (reg >> 8);
  return reg;
}

#ifdef OSSUP_X86
#define TARGET __attribute__((target("pclmul,sse4.1")))

TARGET static inline __m128i fold(__m128i x, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

TARGET static uint64_t update_pclmul(uint64_t reg, const uint8_t *p, size_t n) {
  if (n < 256) return update_portable(reg, p, n);
  const __m128i k128 = _mm_set_epi64x((long long)k127, (long long)k191);
  const __m128i k1024 = _mm_set_epi64x((long long)k1023, (long long)k1087);
  __m128i x[8];
  for (int i = 0; i < 8; i++) x[i] = _mm_loadu_si128((const __m128i *)(p + 16 * i));
  /* The register is xored into the first eight message bytes. */
  x[0] = _mm_xor_si128(x[0], _mm_set_epi64x(0, (long long)reg));
  p += 128;
  n -= 128;
  for (; n >= 128; p += 128, n -= 128)
    for (int i = 0; i < 8; i++) x[i] = _mm_xor_si128(fold(x[i], k1024), _mm_loadu_si128((const __m128i *)(p + 16 * i)));
  __m128i acc = x[0];
  for (int i = 1; i < 8; i++) acc = _mm_xor_si128(fold(acc, k128), x[i]);
  for (; n >= 16; p += 16, n -= 16) acc = _mm_xor_si128(fold(acc, k128), _mm_loadu_si128((const __m128i *)p));
  uint8_t last[16];
  _mm_storeu_si128((__m128i *)last, acc);
  return update_portable(update_portable(0, last, 16), p, n);
}
#endif

static uint64_t update_any(uint64_t reg, const uint8_t *p, size_t n) {
#ifdef OSSUP_X86
  if (use_pclmul) return update_pclmul(reg, p, n);
#endif
  return update_portable(reg, p, n);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

typedef uint64_t (*kernel_fn)(uint64_t reg, const uint8_t *p, size_t n);

/* update(register: bigint, data: Uint8Array, offset?: number, length?: number): bigint, with the kernel in `data`. */
static napi_value update(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void *kernel;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, &kernel) != napi_ok) return NULL;
  if (argc < 2) return throw_type(env, "update(register, data[, offset, length])");
  uint64_t reg;
  bool lossless;
  if (napi_get_value_bigint_uint64(env, argv[0], &reg, &lossless) != napi_ok || !lossless)
    return throw_type(env, "register must be a BigInt in [0, 2^64)");
  napi_typedarray_type type;
  size_t length;
  void *data;
  bool is_typed = false;
  napi_is_typedarray(env, argv[1], &is_typed);
  if (!is_typed || napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array)
    return throw_type(env, "data must be a Uint8Array or Buffer");
  size_t offset = 0;
  size_t count = length;
  if (argc >= 3) {
    double off;
    if (napi_get_value_double(env, argv[2], &off) != napi_ok || !(off >= 0) || off > (double)length || off != (size_t)off)
      return throw_type(env, "offset must be an integer within data");
    offset = (size_t)off;
    count = length - offset;
  }
  if (argc >= 4) {
    double len;
    if (napi_get_value_double(env, argv[3], &len) != napi_ok || !(len >= 0) || len > (double)(length - offset) ||
        len != (size_t)len)
      return throw_type(env, "length must be an integer within data");
    count = (size_t)len;
  }
  reg = ((kernel_fn)kernel)(reg, (const uint8_t *)data + offset, count);
  napi_value out;
  if (napi_create_bigint_uint64(env, reg, &out) != napi_ok) return NULL;
  return out;
}

static int export_fn(napi_env env, napi_value exports, const char *name, kernel_fn kernel) {
  napi_value fn;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, update, (void *)kernel, &fn) == napi_ok &&
         napi_set_named_property(env, exports, name, fn) == napi_ok;
}

/*
 * keepFreed(bytes): glibc returns the top of the heap to the system once more than `bytes` of it are free (128 KiB by
 * default, raised only by chance as large blocks come and go), and every page it hands back faults again when next
 * written. A server receiving a large body allocates and frees each 64 KiB chunk (node:http's copy, freed once
 * hashed), so at default settings it faulted in its whole body, some runs ten times as often as others
 * (BENCHMARKS.md "branch h27srv6"). Process-wide: only `ossup serve`'s own process calls it (src/cli/v8-flags.ts).
 * true where set (glibc), false elsewhere.
 */
static napi_value keep_freed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  double bytes = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_double(env, argv[0], &bytes) != napi_ok || !(bytes >= 0 && bytes <= 1073741824.0))
    return NULL;
  int set = 0;
#if defined(__GLIBC__)
  set = mallopt(M_TRIM_THRESHOLD, (int)bytes) == 1;
#endif
  return napi_get_boolean(env, set, &out) == napi_ok ? out : NULL;
}

/*
 * Context-aware (NAPI_MODULE_INIT): every worker thread can load it. updatePortable is the fallback loop, for tests.
 * The same addon carries the multi-buffer MD5 (native/md5.c).
 */
NAPI_MODULE_INIT() {
  napi_value name;
  if (!export_fn(env, exports, "update", update_any) || !export_fn(env, exports, "updatePortable", update_portable))
    return NULL;
  if (napi_create_string_utf8(env, use_pclmul ? "pclmul" : "portable", NAPI_AUTO_LENGTH, &name) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "kernel", name) != napi_ok) return NULL;
  if (!md5_export(env, exports)) return NULL;
  napi_value keep;
  if (napi_create_function(env, "keepFreed", NAPI_AUTO_LENGTH, keep_freed, NULL, &keep) != napi_ok ||
      napi_set_named_property(env, exports, "keepFreed", keep) != napi_ok)
    return NULL;
  return exports;
}
