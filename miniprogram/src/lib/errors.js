// Turning what went wrong into plain Chinese for the person holding the phone.
const MESSAGES = {
  timeout: '网络有点慢，没有等到回复。您填的内容都还在，请点“重试”。',
  offline: '手机好像没有连上网络。请检查网络后点“重试”，您填的内容都还在。',
  server: '服务暂时有点忙，请稍后点“重试”。',
  login: '登录没有成功。请退出小程序后重新进入；还不行，请打电话或到窗口办理。',
  conflict: '这份申请刚才可能已经提交成功了，请到“我的”里查看，不要重复提交。',
};

class ApiError extends Error {
  constructor(kind, message, extra) {
    super(message || MESSAGES[kind] || MESSAGES.server);
    this.kind = kind; // timeout | offline | server | login | http
    Object.assign(this, extra || {});
    this.fields = (extra && extra.fields) || {};
  }
  get retryable() {
    return this.kind === 'timeout' || this.kind === 'offline' || this.kind === 'server';
  }
}

function fromFail(err) {
  const msg = String((err && err.errMsg) || err || '');
  if (/timeout|timed out/i.test(msg)) return new ApiError('timeout');
  return new ApiError('offline');
}

function fromResponse(res) {
  const body = res.data && typeof res.data === 'object' ? res.data : {};
  const e = body.error || {};
  if (res.statusCode >= 500) return new ApiError('server', null, { status: res.statusCode, code: e.code });
  if (res.statusCode === 409 && e.code === 'idempotency_conflict') {
    return new ApiError('http', MESSAGES.conflict, { status: 409, code: e.code });
  }
  return new ApiError('http', e.message || `请求没有成功（${res.statusCode}）`, {
    status: res.statusCode, code: e.code, fields: e.fields || {},
  });
}

module.exports = { ApiError, MESSAGES, fromFail, fromResponse };
