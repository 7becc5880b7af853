/*
 * The JavaScript API of the multi-buffer MD5 (native/md5.c), added to the addon's exports by native/crc64.c's module
 * init. A context is a 96-byte Uint8Array owned by the caller (layout: struct md5_ctx). update(ctxs, datas[, lanes])
 * advances each context over its whole data: a partial block is completed first (scalar), whole blocks go through
 * md5_lanes, and the tail under 64 bytes is kept in the context. final(ctx) pads and returns the 16-byte digest.
 * `lanes` (1, 4 or 8) caps the width, for tests.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#include "md5.h"

static const uint32_t IV[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static int bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *p;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
  return 1;
}

static int ctx_of(napi_env env, napi_value v, struct md5_ctx **out) {
  uint8_t *p;
  size_t n;
  if (!bytes_of(env, v, &p, &n) || n != sizeof(struct md5_ctx) || ((uintptr_t)p & 7) != 0) return 0;
  *out = (struct md5_ctx *)p;
  return 1;
}

/* init(ctx: Uint8Array(96)): a fresh MD5 context. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct md5_ctx *c;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || !ctx_of(env, argv[0], &c)) return throw_type(env, "init(ctx): ctx must be an aligned Uint8Array(96)");
  memset(c, 0, sizeof *c);
  memcpy(c->h, IV, sizeof IV);
  return NULL;
}

/* update(ctxs: Uint8Array[], datas: Uint8Array[], lanes?: number): each context advanced over its data. */
static napi_value js_update(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint32_t count, count2;
  bool is_array = false, is_array2 = false;
  if (argc < 2 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array ||
      napi_is_array(env, argv[1], &is_array2) != napi_ok || !is_array2 ||
      napi_get_array_length(env, argv[0], &count) != napi_ok || napi_get_array_length(env, argv[1], &count2) != napi_ok ||
      count != count2 || count > MD5_MAX_STREAMS)
    return throw_type(env, "update(ctxs, datas[, lanes]): two arrays of the same length, at most 64");
  int width = md5_lanes_max;
  if (argc >= 3) {
    int32_t w;
    if (napi_get_value_int32(env, argv[2], &w) != napi_ok || (w != 1 && w != 4 && w != 8))
      return throw_type(env, "lanes must be 1, 4 or 8");
    width = w;
  }
  struct md5_ctx *ctxs[MD5_MAX_STREAMS];
  const uint8_t *tails[MD5_MAX_STREAMS];
  size_t tail_len[MD5_MAX_STREAMS];
  struct md5_lane lanes[MD5_MAX_STREAMS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value cv, dv;
    uint8_t *data;
    size_t n;
    if (napi_get_element(env, argv[0], i, &cv) != napi_ok || napi_get_element(env, argv[1], i, &dv) != napi_ok)
      return NULL;
    if (!ctx_of(env, cv, &ctxs[i])) return throw_type(env, "each ctx must be an aligned Uint8Array(96)");
    if (!bytes_of(env, dv, &data, &n)) return throw_type(env, "each data must be a Uint8Array or Buffer");
    for (uint32_t j = 0; j < i; j++)
      if (ctxs[j] == ctxs[i]) return throw_type(env, "a ctx appears twice");
    struct md5_ctx *c = ctxs[i];
    c->length += n;
    if (c->partial > 0) {
      /* Complete the block left over from the last update first. */
      const size_t take = n < 64 - c->partial ? n : 64 - c->partial;
      memcpy(c->block + c->partial, data, take);
      c->partial += (uint32_t)take;
      data += take;
      n -= take;
      if (c->partial == 64) {
        md5_blocks_scalar(c->h, c->block, 1);
        c->partial = 0;
      }
    }
    lanes[i] = (struct md5_lane){c->h, data, n / 64};
    tails[i] = data + (n & ~(size_t)63);
    tail_len[i] = n & 63;
  }
  md5_lanes(lanes, count, width);
  for (uint32_t i = 0; i < count; i++)
    if (tail_len[i] > 0) {
      memcpy(ctxs[i]->block + ctxs[i]->partial, tails[i], tail_len[i]);
      ctxs[i]->partial += (uint32_t)tail_len[i];
    }
  return NULL;
}

/* final(ctx): the 16-byte digest (the context is spent). */
static napi_value js_final(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  struct md5_ctx *c;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || !ctx_of(env, argv[0], &c)) return throw_type(env, "final(ctx): ctx must be an aligned Uint8Array(96)");
  uint8_t pad[128] = {0};
  const size_t used = c->partial, total = used < 56 ? 64 : 128;
  memcpy(pad, c->block, used);
  pad[used] = 0x80;
  const uint64_t bits = c->length * 8;
  for (int i = 0; i < 8; i++) pad[total - 8 + i] = (uint8_t)(bits >> (8 * i));
  md5_blocks_scalar(c->h, pad, total / 64);
  napi_value out;
  void *digest;
  if (napi_create_buffer(env, 16, &digest, &out) != napi_ok) return NULL;
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 4; k++) ((uint8_t *)digest)[4 * i + k] = (uint8_t)(c->h[i] >> (8 * k));
  return out;
}

int md5_export(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback cb;
  } fns[] = {{"md5Init", js_init}, {"md5Update", js_update}, {"md5Final", js_final}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &fn) != napi_ok ||
        napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok)
      return 0;
  }
  napi_value lanes;
  return napi_create_int32(env, md5_lanes_max, &lanes) == napi_ok &&
         napi_set_named_property(env, exports, "md5Lanes", lanes) == napi_ok;
}
