/* Multi-buffer MD5: the loops in native/md5.c, the JavaScript API in native/md5-napi.c (exported by native/crc64.c's
 * module init). */
#ifndef OSSUP_MD5_H
#define OSSUP_MD5_H
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of one MD5 context (state, length, partial block) as the caller allocates it. */
#define MD5_CTX_BYTES 96
/* Streams one update() call takes at most. */
#define MD5_MAX_STREAMS 64

/* One stream's MD5 as JavaScript holds it (a Uint8Array of MD5_CTX_BYTES). */
struct md5_ctx {
  uint32_t h[4];
  uint64_t length; /* bytes hashed so far, including those in `block` */
  uint32_t partial; /* bytes in `block` */
  uint32_t reserved;
  uint8_t block[64];
};
_Static_assert(sizeof(struct md5_ctx) == MD5_CTX_BYTES, "context layout");

/* A stream's state and its next `blocks` whole blocks at `p`. */
struct md5_lane {
  uint32_t *h;
  const uint8_t *p;
  size_t blocks;
};

/* Streams one kernel call takes at most: 8 with AVX2, else 4 (interleaved in general registers); set at load. */
extern int md5_lanes_max;

/* Advances `h` over `n` blocks at `p`, one stream alone. */
void md5_blocks_scalar(uint32_t *h, const uint8_t *p, size_t n);

/* Advances every lane over all its blocks: the streams with the most blocks left go together, `width` at a time. */
void md5_lanes(struct md5_lane *lanes, size_t count, int width);

/* Adds md5Init, md5Update, md5Final and md5Lanes to `exports`; 0 on failure. */
int md5_export(napi_env env, napi_value exports);
#endif
