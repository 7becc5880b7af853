/* Multi-buffer MD5 (native/md5.c), exported by the addon's module init in native/crc64.c. */
#ifndef OSSUP_MD5_H
#define OSSUP_MD5_H
#include <node_api.h>

/* Bytes of one MD5 context (state, length, partial block) as the caller allocates it. */
#define MD5_CTX_BYTES 96
/* Streams one update() call takes at most. */
#define MD5_MAX_STREAMS 64

/* Adds md5Init, md5Update, md5Final and md5Lanes to `exports`; 0 on failure. */
int md5_export(napi_env env, napi_value exports);
#endif
