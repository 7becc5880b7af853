// OSS's throttling answers (503), merged into errors.ts's SERVICE_ERRORS. Messages and ECs from OSS's "HTTP status
// code 503" page and its EC pages 0004-00000302 (QPS) and 0004-00000304 (bandwidth).
export const THROTTLE_ERRORS = {
  UploadTrafficRateLimitExceeded: {
    status: 503,
    message: 'Please reduce your upload request traffic',
    ec: '0004-00000304',
  },
  DownloadTrafficRateLimitExceeded: {
    status: 503,
    message: 'Please reduce your download request traffic',
    ec: '0004-00000304',
  },
  TotalQpsLimitExceeded: { status: 503, message: 'Max total qps limit is exceeded', ec: '0004-00000302' },
} as const;
