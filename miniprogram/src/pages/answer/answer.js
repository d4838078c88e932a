const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const outbox = require('../../lib/outbox');
const { definePage } = require('../../lib/page');

Page(definePage({
  data: { question: '', answer: null, feedback: '', rated: '' },
  onLoad(query) {
    this.setData({ question: decodeURIComponent((query && query.q) || '') });
    return this.load();
  },
  async load() {
    const answer = await this.guard(() => api.post('/ask', { question: this.data.question }), 'load');
    if (answer) this.setData({ answer, feedback: '', rated: '' });
  },
  // 有用 / 没用: POST /ask/{answer_id}/feedback (again replaces the earlier choice). When the network
  // fails, the feedback waits in the outbox with its Idempotency-Key and goes out when the app next shows.
  async feedback(e) {
    const helpful = e.currentTarget.dataset.helpful === 'yes';
    const a = this.data.answer || {};
    if (!a.answer_id) { this.setData({ feedback: '这次的回答没有记下编号，评价发不出去。谢谢您！' }); return undefined; }
    const item = { path: `/ask/${a.answer_id}/feedback`, data: { helpful }, key: drafts.newKey() };
    this.setData({ rated: helpful ? 'yes' : 'no' });
    try {
      const out = await api.post(item.path, item.data, { idempotencyKey: item.key });
      this.setData({ feedback: '谢谢，已收到您的评价' });
      return out;
    } catch (err) {
      if (!err.retryable) { this.setData({ feedback: err.message, rated: '' }); return undefined; }
    }
    outbox.add(item);
    this.setData({ feedback: '谢谢，您的评价已记下，网络好时自动发送' });
    return undefined;
  },
  book() {
    wx.switchTab({ url: '/pages/windows/windows' });
  },
  human() {
    // 问人工: the window staff answer by phone or in person; the windows page lists their numbers.
    wx.switchTab({ url: '/pages/windows/windows' });
  },
  copy(e) {
    wx.setClipboardData({ data: e.currentTarget.dataset.url });
  },
}));
