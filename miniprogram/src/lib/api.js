// The one door to the backend (/api/v1, contract §4): token, Idempotency-Key, time-outs, plain errors.
const config = require('../config');
const storage = require('./storage');
const { ApiError, fromFail, fromResponse } = require('./errors');

const AUTH_KEY = 'auth';
const RENEW_BEFORE_MS = 24 * 3600 * 1000; // renew a token that has less than a day left
let base = config.apiBase;
let loggingIn = null;

function configure(opts) {
  if (opts && opts.apiBase) base = opts.apiBase.replace(/\/+$/, '');
}

function qs(query) {
  const parts = Object.keys(query || {})
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

function raw(method, path, { data, query, header } = {}) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: `${base}/api/v1${path}${qs(query)}`,
      method,
      data,
      header: { 'Content-Type': 'application/json', ...(header || {}) },
      timeout: config.requestTimeoutMs,
      dataType: 'json',
      success: resolve,
      fail: (err) => reject(fromFail(err)),
    });
  });
}

function session() {
  return storage.get(AUTH_KEY, null);
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({ success: (r) => resolve(r.code), fail: () => reject(new ApiError('login')) });
  });
}

// wx.login → POST /auth/login; the token is kept in storage with its expiry.
function login() {
  if (loggingIn) return loggingIn;
  loggingIn = (async () => {
    const code = await wxLogin();
    const res = await raw('POST', '/auth/login', { data: { code } });
    if (res.statusCode !== 200) throw res.statusCode === 401 ? new ApiError('login') : fromResponse(res);
    const s = { token: res.data.token, expiresAt: Date.now() + res.data.expires_in * 1000, user: res.data.user };
    storage.set(AUTH_KEY, s);
    return s;
  })();
  return loggingIn.finally(() => { loggingIn = null; });
}

async function ensureLogin() {
  const s = session();
  if (s && s.token && s.expiresAt - Date.now() > RENEW_BEFORE_MS) return s;
  return login();
}

function logout() {
  storage.remove(AUTH_KEY);
}

async function call(method, path, { data, query, auth = false, idempotencyKey } = {}) {
  const header = {};
  if (idempotencyKey) header['Idempotency-Key'] = idempotencyKey;
  let res;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    if (auth) header.Authorization = `Bearer ${(await ensureLogin()).token}`;
    res = await raw(method, path, { data, query, header });
    if (res.statusCode !== 401 || !auth) break;
    logout(); // forged or expired: log in once more, then explain
    if (attempt === 1) throw new ApiError('login');
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.data;
  throw fromResponse(res);
}

const api = {
  configure,
  login,
  ensureLogin,
  logout,
  session,
  call,
  get: (path, opts) => call('GET', path, opts),
  post: (path, data, opts) => call('POST', path, { ...(opts || {}), data }),
  // Binding the phone number: the code comes from <button open-type="getPhoneNumber">.
  bindPhone: async (code) => {
    const out = await call('POST', '/auth/phone', { data: { code }, auth: true });
    const s = session();
    if (s) storage.set(AUTH_KEY, { ...s, user: out.user });
    return out.user;
  },
};

module.exports = api;
