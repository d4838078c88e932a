// A `wx` for Node: wx.request over Node's http client, wx.login codes the WeChat stand-in accepts,
// in-memory storage, a fixed location (or a refusal), and recorders for navigation and dialogs.
const http = require('http');

function makeWx({ location = null, loginPrefix = 'villager', confirm = true } = {}) {
  const store = new Map();
  let seq = 0;
  const wx = {
    navigations: [],
    requests: [],
    request(opts) {
      const url = new URL(opts.url);
      const body = opts.data === undefined ? undefined : Buffer.from(JSON.stringify(opts.data));
      const headers = { ...(opts.header || {}) };
      if (body) headers['Content-Length'] = body.length;
      const record = { method: opts.method || 'GET', url: opts.url, header: headers, status: 0 };
      wx.requests.push(record);
      let settled = false;
      const fail = (errMsg) => { if (!settled) { settled = true; opts.fail && opts.fail({ errMsg }); opts.complete && opts.complete(); } };
      const req = http.request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: opts.method || 'GET', headers, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', () => fail('request:fail socket hang up'));
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) { fail('request:fail socket hang up'); return; }
          settled = true;
          record.status = res.statusCode;
          const text = Buffer.concat(chunks).toString('utf8');
          let data = text;
          try { data = JSON.parse(text); } catch (e) { /* not JSON: hand over the text, like wx does */ }
          opts.success && opts.success({ statusCode: res.statusCode, data, header: res.headers });
          opts.complete && opts.complete();
        });
      });
      req.setTimeout(opts.timeout || 60000, () => { req.destroy(); fail('request:fail timeout'); });
      req.on('error', (e) => fail(`request:fail ${e.code || e.message}`));
      if (body) req.write(body);
      req.end();
      return { abort: () => req.destroy() };
    },
    login({ success }) {
      seq += 1;
      setTimeout(() => success({ code: `${loginPrefix}-${seq}`, errMsg: 'login:ok' }), 0);
    },
    getLocation({ success, fail }) {
      setTimeout(() => (location ? success({ latitude: location.lat, longitude: location.lng }) : fail({ errMsg: 'getLocation:fail auth deny' })), 0);
    },
    getStorageSync: (k) => (store.has(k) ? JSON.parse(store.get(k)) : ''),
    setStorageSync: (k, v) => { store.set(k, JSON.stringify(v)); },
    removeStorageSync: (k) => { store.delete(k); },
    showModal: ({ success }) => setTimeout(() => success({ confirm, cancel: !confirm }), 0),
    requestSubscribeMessage: ({ tmplIds, success }) => setTimeout(() => success(Object.fromEntries(tmplIds.map((id) => [id, 'accept'])))),
    setClipboardData: () => {},
    navigateTo: ({ url }) => wx.navigations.push(url),
    redirectTo: ({ url }) => wx.navigations.push(url),
    switchTab: ({ url }) => wx.navigations.push(url),
    store,
  };
  return wx;
}

module.exports = { makeWx };
