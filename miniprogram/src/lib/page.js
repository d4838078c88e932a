// What every page shares: the large-text preference, and one way to show a failure with a retry.
const prefs = require('./prefs');

function time(iso) {
  // "2026-12-03T09:30:00+08:00" → "12月3日 09:30" (Beijing time as the server wrote it)
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '');
  return m ? `${Number(m[2])}月${Number(m[3])}日 ${m[4]}:${m[5]}` : iso || '';
}

const shared = {
  onShow() {
    this.setData({ large: prefs.largeText() });
  },
  // Runs an API call and returns its result, or undefined after showing what went wrong;
  // a network failure shows plain words and remembers what "重试" should do again.
  async guard(fn, retryName) {
    this.setData({ busy: true, netError: '', message: '' });
    try {
      return await fn();
    } catch (e) {
      if (e && e.retryable) this.setData({ netError: e.message, retryName: retryName || '' });
      else this.setData({ message: (e && e.message) || '出了点问题，请稍后再试' });
      this.lastError = e;
      return undefined;
    } finally {
      this.setData({ busy: false });
    }
  },
  retry() {
    const name = this.data.retryName;
    this.setData({ netError: '' });
    if (name && typeof this[name] === 'function') return this[name]();
    return undefined;
  },
};

// Page({...definePage({...})}): the page's own methods win over the shared ones, but onShow runs both.
function definePage(spec) {
  const own = spec.onShow;
  return {
    ...shared,
    ...spec,
    data: { large: false, busy: false, netError: '', message: '', retryName: '', ...(spec.data || {}) },
    onShow(...args) {
      shared.onShow.call(this);
      return own ? own.apply(this, args) : undefined;
    },
  };
}

module.exports = { definePage, time };
