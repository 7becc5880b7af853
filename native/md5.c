/*
 * Multi-buffer MD5 for the server's hashing thread (src/server/store/hasher-worker.ts, through src/io/md5-native.ts),
 * part of the optional addon native/crc64.c builds (its module init calls md5_export, native/md5-napi.c).
 *
 * MD5 is serial within a stream (each 64-byte block needs the previous one's state), and one stream runs at the
 * latency of its dependency chain (~4.5 cycles/byte). Independent streams fill what that leaves idle: 2 to 4 of
 * them interleaved step by step in general registers (any CPU), or 8 in AVX2's 32-bit lanes, one stream per lane,
 * as Intel's isa-l md5_mb does (only when all 8 are busy; AVX2 is looked for once per process). Each stream's ops
 * are the scalar ones, so every digest is plain MD5.
 *
 * This file is the block loops and md5_lanes, which runs streams' whole blocks through them; native/md5-napi.c is
 * the JavaScript API (contexts, partial blocks, padding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "md5.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define OSSUP_X86 1
#endif

/* The 64 steps of one block: round function, the state words in their rotation, message word, constant, shift. */
#define MD5_STEPS(X) \
  X(F, a,b,c,d,  0, 0xd76aa478, 7) \
  X(F, d,a,b,c,  1, 0xe8c7b756, 12) \
  X(F, c,d,a,b,  2, 0x242070db, 17) \
  X(F, b,c,d,a,  3, 0xc1bdceee, 22) \
  X(F, a,b,c,d,  4, 0xf57c0faf, 7) \
  X(F, d,a,b,c,  5, 0x4787c62a, 12) \
  X(F, c,d,a,b,  6, 0xa8304613, 17) \
  X(F, b,c,d,a,  7, 0xfd469501, 22) \
  X(F, a,b,c,d,  8, 0x698098d8, 7) \
  X(F, d,a,b,c,  9, 0x8b44f7af, 12) \
  X(F, c,d,a,b, 10, 0xffff5bb1, 17) \
  X(F, b,c,d,a, 11, 0x895cd7be, 22) \
  X(F, a,b,c,d, 12, 0x6b901122, 7) \
  X(F, d,a,b,c, 13, 0xfd987193, 12) \
  X(F, c,d,a,b, 14, 0xa679438e, 17) \
  X(F, b,c,d,a, 15, 0x49b40821, 22) \
  X(G, a,b,c,d,  1, 0xf61e2562, 5) \
  X(G, d,a,b,c,  6, 0xc040b340, 9) \
  X(G, c,d,a,b, 11, 0x265e5a51, 14) \
  X(G, b,c,d,a,  0, 0xe9b6c7aa, 20) \
  X(G, a,b,c,d,  5, 0xd62f105d, 5) \
  X(G, d,a,b,c, 10, 0x02441453, 9) \
  X(G, c,d,a,b, 15, 0xd8a1e681, 14) \
  X(G, b,c,d,a,  4, 0xe7d3fbc8, 20) \
  X(G, a,b,c,d,  9, 0x21e1cde6, 5) \
  X(G, d,a,b,c, 14, 0xc33707d6, 9) \
  X(G, c,d,a,b,  3, 0xf4d50d87, 14) \
  X(G, b,c,d,a,  8, 0x455a14ed, 20) \
  X(G, a,b,c,d, 13, 0xa9e3e905, 5) \
  X(G, d,a,b,c,  2, 0xfcefa3f8, 9) \
  X(G, c,d,a,b,  7, 0x676f02d9, 14) \
  X(G, b,c,d,a, 12, 0x8d2a4c8a, 20) \
  X(H, a,b,c,d,  5, 0xfffa3942, 4) \
  X(H, d,a,b,c,  8, 0x8771f681, 11) \
  X(H, c,d,a,b, 11, 0x6d9d6122, 16) \
  X(H, b,c,d,a, 14, 0xfde5380c, 23) \
  X(H, a,b,c,d,  1, 0xa4beea44, 4) \
  X(H, d,a,b,c,  4, 0x4bdecfa9, 11) \
  X(H, c,d,a,b,  7, 0xf6bb4b60, 16) \
  X(H, b,c,d,a, 10, 0xbebfbc70, 23) \
  X(H, a,b,c,d, 13, 0x289b7ec6, 4) \
  X(H, d,a,b,c,  0, 0xeaa127fa, 11) \
  X(H, c,d,a,b,  3, 0xd4ef3085, 16) \
  X(H, b,c,d,a,  6, 0x04881d05, 23) \
  X(H, a,b,c,d,  9, 0xd9d4d039, 4) \
  X(H, d,a,b,c, 12, 0xe6db99e5, 11) \
  X(H, c,d,a,b, 15, 0x1fa27cf8, 16) \
  X(H, b,c,d,a,  2, 0xc4ac5665, 23) \
  X(I, a,b,c,d,  0, 0xf4292244, 6) \
  X(I, d,a,b,c,  7, 0x432aff97, 10) \
  X(I, c,d,a,b, 14, 0xab9423a7, 15) \
  X(I, b,c,d,a,  5, 0xfc93a039, 21) \
  X(I, a,b,c,d, 12, 0x655b59c3, 6) \
  X(I, d,a,b,c,  3, 0x8f0ccc92, 10) \
  X(I, c,d,a,b, 10, 0xffeff47d, 15) \
  X(I, b,c,d,a,  1, 0x85845dd1, 21) \
  X(I, a,b,c,d,  8, 0x6fa87e4f, 6) \
  X(I, d,a,b,c, 15, 0xfe2ce6e0, 10) \
  X(I, c,d,a,b,  6, 0xa3014314, 15) \
  X(I, b,c,d,a, 13, 0x4e0811a1, 21) \
  X(I, a,b,c,d,  4, 0xf7537e82, 6) \
  X(I, d,a,b,c, 11, 0xbd3af235, 10) \
  X(I, c,d,a,b,  2, 0x2ad7d2bb, 15) \
  X(I, b,c,d,a,  9, 0xeb86d391, 21)


int md5_lanes_max = 4; /* the interleaved kernels need nothing of the CPU; 8 with AVX2 (md5_init_lanes) */

static uint32_t load32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap32(v);
#endif
  return v;
}

#define F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define G(x, y, z) ((y) ^ ((z) & ((x) ^ (y))))
#define H(x, y, z) ((x) ^ (y) ^ (z))
#define I(x, y, z) ((y) ^ ((x) | ~(z)))
/*
 * What does not wait for b (the previous step's result) is added first: the message word, the constant, and in
 * round 2 the half of G without b (G = (b & d) | (c & ~d), two disjoint halves, so their sum), as OpenSSL's asm does.
 */
#define SCALAR_STEP(f, a, b, c, d, g, k, s) \
  a += w[g] + (uint32_t)(k);                \
  a += f(b, c, d);                          \
  a = ((a << s) | (a >> (32 - s))) + b;
#define SCALAR_STEP_G(a, b, c, d, g, k, s) \
  a += w[g] + (uint32_t)(k) + (c & ~d);       \
  a += b & d;                                 \
  a = ((a << s) | (a >> (32 - s))) + b;
#define SCALAR_ANY(f, a, b, c, d, g, k, s) SCALAR_##f(a, b, c, d, g, k, s)
#define SCALAR_F(...) SCALAR_STEP(F, __VA_ARGS__)
#define SCALAR_G(...) SCALAR_STEP_G(__VA_ARGS__)
#define SCALAR_H(...) SCALAR_STEP(H, __VA_ARGS__)
#define SCALAR_I(...) SCALAR_STEP(I, __VA_ARGS__)

void md5_blocks_scalar(uint32_t *h, const uint8_t *p, size_t n) {
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (; n > 0; n--, p += 64) {
    uint32_t w[16];
    for (int i = 0; i < 16; i++) w[i] = load32(p + 4 * i);
    const uint32_t a0 = a, b0 = b, c0 = c, d0 = d;
    MD5_STEPS(SCALAR_ANY)
    a += a0;
    b += b0;
    c += c0;
    d += d0;
  }
  h[0] = a;
  h[1] = b;
  h[2] = c;
  h[3] = d;
}

/*
 * Interleaved kernels: 2 to 4 streams' steps one after another in general registers. One stream's step waits for
 * the previous one (~4.5 cycles/byte) while most of the core's ALUs idle, so independent streams' steps fill them
 * almost for free: on the AMD EPYC this was measured on (BENCHMARKS.md, "Issue 27, server side: interleaved MD5"),
 * CPU-s per GiB of all streams' bytes, 1 stream 1.40, 2 interleaved 0.72, 3 0.55, 4 0.59, where SSE2's 4 lanes ran
 * 2 streams at 2.1, 3 at 1.36 and 4 at 1.04 (no vector rotate: three ops on the chain, and the lanes' transposes).
 * Written with loops over the streams that the compiler unrolls (N is a constant at each use); GCC would turn
 * those into SSE (as slow as the lanes above), so vectorising is off for these functions.
 */
#define XN_STEP(f, a, b, c, d, g, k, s)                               \
  for (int i = 0; i < N; i++) a[i] += w[i][g] + (uint32_t)(k);        \
  for (int i = 0; i < N; i++) a[i] += f(b[i], c[i], d[i]);             \
  for (int i = 0; i < N; i++) a[i] = ((a[i] << s) | (a[i] >> (32 - s))) + b[i];
#define XN_STEP_G(a, b, c, d, g, k, s)                                         \
  for (int i = 0; i < N; i++) a[i] += w[i][g] + (uint32_t)(k) + (c[i] & ~d[i]); \
  for (int i = 0; i < N; i++) a[i] += b[i] & d[i];                               \
  for (int i = 0; i < N; i++) a[i] = ((a[i] << s) | (a[i] >> (32 - s))) + b[i];
#define XN_F(...) XN_STEP(F, __VA_ARGS__)
#define XN_G(...) XN_STEP_G(__VA_ARGS__)
#define XN_H(...) XN_STEP(H, __VA_ARGS__)
#define XN_I(...) XN_STEP(I, __VA_ARGS__)
#define XN_ANY(f, a, b, c, d, g, k, s) XN_##f(a, b, c, d, g, k, s)

#if defined(__GNUC__) && !defined(__clang__)
#define SCALAR_ONLY __attribute__((optimize("no-tree-vectorize")))
#else
#define SCALAR_ONLY
#endif

/* h[i] is stream i's state, p[i] its next block; every stream advances n blocks. N: 2 to 4. */
static inline __attribute__((always_inline)) void blocks_xn(uint32_t *h[], const uint8_t *p[], size_t n, const int N) {
  uint32_t a[4], b[4], c[4], d[4];
  for (int i = 0; i < N; i++) {
    a[i] = h[i][0];
    b[i] = h[i][1];
    c[i] = h[i][2];
    d[i] = h[i][3];
  }
  for (size_t off = 0; n > 0; n--, off += 64) {
    uint32_t w[4][16], a0[4], b0[4], c0[4], d0[4];
    for (int i = 0; i < N; i++)
      for (int j = 0; j < 16; j++) w[i][j] = load32(p[i] + off + 4 * j);
    for (int i = 0; i < N; i++) {
      a0[i] = a[i];
      b0[i] = b[i];
      c0[i] = c[i];
      d0[i] = d[i];
    }
    MD5_STEPS(XN_ANY)
    for (int i = 0; i < N; i++) {
      a[i] += a0[i];
      b[i] += b0[i];
      c[i] += c0[i];
      d[i] += d0[i];
    }
  }
  for (int i = 0; i < N; i++) {
    h[i][0] = a[i];
    h[i][1] = b[i];
    h[i][2] = c[i];
    h[i][3] = d[i];
  }
}

SCALAR_ONLY static void blocks_x2(uint32_t *h[], const uint8_t *p[], size_t n) { blocks_xn(h, p, n, 2); }
SCALAR_ONLY static void blocks_x3(uint32_t *h[], const uint8_t *p[], size_t n) { blocks_xn(h, p, n, 3); }
SCALAR_ONLY static void blocks_x4(uint32_t *h[], const uint8_t *p[], size_t n) { blocks_xn(h, p, n, 4); }

#ifdef OSSUP_X86
/* The AVX2 kernel: h[i] is lane i's state, p[i] its next block; every lane advances n blocks. */
/* As the scalar steps: what does not wait for b first. */
#define V_STEP(f, a, b, c, d, g, k, s)                         \
  a = ADD(a, ADD(w[g], SET1((int)(uint32_t)(k))));             \
  a = ADD(a, f(b, c, d));                                      \
  a = ADD(OR(SHL(a, s), SHR(a, 32 - s)), b);
#define V_STEP_G(a, b, c, d, g, k, s)                                          \
  a = ADD(a, ADD(ADD(w[g], SET1((int)(uint32_t)(k))), ANDNOT(d, c)));          \
  a = ADD(a, AND(b, d));                                                       \
  a = ADD(OR(SHL(a, s), SHR(a, 32 - s)), b);
#define VF(x, y, z) XOR(z, AND(x, XOR(y, z)))
#define VH(x, y, z) XOR(XOR(x, y), z)
#define VI(x, y, z) XOR(y, XOR(ANDNOT(x, z), ones)) /* y ^ (x | ~z) = y ^ ~(~x & z) */
#define V_F(...) V_STEP(VF, __VA_ARGS__)
#define V_G(...) V_STEP_G(__VA_ARGS__)
#define V_H(...) V_STEP(VH, __VA_ARGS__)
#define V_I(...) V_STEP(VI, __VA_ARGS__)
#define V_STEP_FN(f, a, b, c, d, g, k, s) V_##f(a, b, c, d, g, k, s)
/* One block of every lane, with ADD and the rest as defined for the vector type T where it expands. */
#define V_BLOCK(T)                                \
  {                                               \
    const T a0 = a, b0 = b, c0 = c, d0 = d;       \
    MD5_STEPS(V_STEP_FN)                          \
    a = ADD(a, a0);                               \
    b = ADD(b, b0);                               \
    c = ADD(c, c0);                               \
    d = ADD(d, d0);                               \
  }

#define ADD _mm256_add_epi32
#define XOR _mm256_xor_si256
#define AND _mm256_and_si256
#define OR _mm256_or_si256
#define ANDNOT _mm256_andnot_si256
#define SHL _mm256_slli_epi32
#define SHR _mm256_srli_epi32
#define SET1 _mm256_set1_epi32

__attribute__((target("avx2"))) static __m256i lanes8(uint32_t *h[8], int k) {
  return _mm256_set_epi32((int)h[7][k], (int)h[6][k], (int)h[5][k], (int)h[4][k], (int)h[3][k], (int)h[2][k],
                          (int)h[1][k], (int)h[0][k]);
}

__attribute__((target("avx2"))) static void blocks_x8(uint32_t *h[8], const uint8_t *p[8], size_t n) {
  __m256i a = lanes8(h, 0), b = lanes8(h, 1), c = lanes8(h, 2), d = lanes8(h, 3);
  const __m256i ones = _mm256_set1_epi32(-1);
  for (size_t off = 0; n > 0; n--, off += 64) {
    __m256i w[16];
    for (int j = 0; j < 2; j++) {
      /* Eight words of each lane, transposed 8x8: w[8j+i] holds word 8j+i of lanes 0..7. */
      __m256i r[8], t[8], u[8];
      for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_si256((const __m256i *)(p[i] + off + 32 * j));
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_epi32(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_epi32(r[i], r[i + 1]);
      }
      for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_unpacklo_epi64(t[i], t[i + 2]);
        u[i + 1] = _mm256_unpackhi_epi64(t[i], t[i + 2]);
        u[i + 2] = _mm256_unpacklo_epi64(t[i + 1], t[i + 3]);
        u[i + 3] = _mm256_unpackhi_epi64(t[i + 1], t[i + 3]);
      }
      for (int i = 0; i < 4; i++) {
        w[8 * j + i] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x20);
        w[8 * j + i + 4] = _mm256_permute2x128_si256(u[i], u[i + 4], 0x31);
      }
    }
    V_BLOCK(__m256i)
  }
  uint32_t out[4][8];
  _mm256_storeu_si256((__m256i *)out[0], a);
  _mm256_storeu_si256((__m256i *)out[1], b);
  _mm256_storeu_si256((__m256i *)out[2], c);
  _mm256_storeu_si256((__m256i *)out[3], d);
  for (int i = 0; i < 8; i++)
    for (int k = 0; k < 4; k++) h[i][k] = out[k][i];
}
#endif

__attribute__((constructor)) static void md5_init_lanes(void) {
#ifdef OSSUP_X86
  __builtin_cpu_init();
  md5_lanes_max = __builtin_cpu_supports("avx2") ? 8 : 4;
#endif
}


static int by_blocks_desc(const void *x, const void *y) {
  const size_t a = (*(const struct md5_lane *const *)x)->blocks, b = (*(const struct md5_lane *const *)y)->blocks;
  return a < b ? 1 : a > b ? -1 : 0;
}

/*
 * How many of `active` streams go through one kernel call: AVX2's 8 lanes only when all 8 are busy (0.53 CPU-s/GiB
 * there against 0.59 for twice 4 interleaved); otherwise 2 to 4 interleaved, split evenly (5 and 6 as threes, 7 as
 * four then three), as a lone stream is the dearest.
 */
static size_t group_size(size_t active, int width) {
  if (width >= 8 && active >= 8) return 8;
  if (width < 4 || active <= 1) return 1;
  if (active <= 4) return active;
  return active <= 6 ? 3 : 4;
}

void md5_lanes(struct md5_lane *lanes, size_t count, int width) {
  if (width > md5_lanes_max) width = md5_lanes_max;
  struct md5_lane *order[MD5_MAX_STREAMS];
  size_t active = 0;
  for (size_t i = 0; i < count; i++)
    if (lanes[i].blocks > 0) order[active++] = &lanes[i];
  while (active > 0) {
    qsort(order, active, sizeof order[0], by_blocks_desc);
    while (active > 0 && order[active - 1]->blocks == 0) active--;
    if (active == 0) break;
    const size_t used = group_size(active, width);
    const size_t n = order[used - 1]->blocks;
    uint32_t *h[8];
    const uint8_t *p[8];
    for (size_t i = 0; i < used; i++) {
      h[i] = order[i]->h;
      p[i] = order[i]->p;
    }
    switch (used) {
#ifdef OSSUP_X86
      case 8: blocks_x8(h, p, n); break;
#endif
      case 4: blocks_x4(h, p, n); break;
      case 3: blocks_x3(h, p, n); break;
      case 2: blocks_x2(h, p, n); break;
      default: md5_blocks_scalar(h[0], p[0], n);
    }
    for (size_t i = 0; i < used; i++) {
      order[i]->p += 64 * n;
      order[i]->blocks -= n;
    }
  }
}
