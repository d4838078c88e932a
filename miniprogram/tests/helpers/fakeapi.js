// A wx.request for unit tests: answers from a table of handlers, records what was sent.
function fakeRequest(routes) {
  const sent = [];
  const request = (opts) => {
    const url = new URL(opts.url);
    const key = `${opts.method || 'GET'} ${url.pathname.replace(/^\/api\/v1/, '')}`;
    sent.push({ key, data: opts.data, header: opts.header, query: Object.fromEntries(url.searchParams) });
    const handler = routes[key];
    setImmediate(() => {
      if (!handler) { opts.success({ statusCode: 404, data: { error: { code: 'not_found', message: '接口不存在', fields: {} } } }); return; }
      const out = handler(opts, sent.filter((s) => s.key === key).length);
      if (out && out.fail) opts.fail({ errMsg: out.fail });
      else opts.success({ statusCode: out.status || 200, data: out.body });
    });
  };
  return { request, sent };
}

function memoryStorage(target) {
  const m = new Map();
  target.getStorageSync = (k) => (m.has(k) ? m.get(k) : '');
  target.setStorageSync = (k, v) => { m.set(k, JSON.parse(JSON.stringify(v))); };
  target.removeStorageSync = (k) => { m.delete(k); };
  return m;
}

module.exports = { fakeRequest, memoryStorage };
