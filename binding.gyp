{
  "targets": [
    {
      "target_name": "ossup_crc64",
      "sources": ["native/crc64.c", "native/md5.c", "native/md5-napi.c"],
      "cflags": ["-O3", "-std=c11"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3"] }
    }
  ]
}
