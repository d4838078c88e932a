const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const outbox = require('../../lib/outbox');
const { definePage } = require('../../lib/page');

Page(definePage({
  data: { question: '', answer: null, feedback: '' },
  onLoad(query) {
    this.setData({ question: decodeURIComponent((query && query.q) || '') });
    return this.load();
  },
  async load() {
    const answer = await this.guard(() => api.post('/ask', { question: this.data.question }), 'load');
    if (answer) this.setData({ answer, feedback: '' });
  },
  // 有用 / 没用: POST /ask/{answer_id}/feedback. Until the server answers it (no answer_id or a 404),
  // the feedback waits in the outbox and goes out later; the user is told so.
  async feedback(e) {
    const helpful = e.currentTarget.dataset.helpful === 'yes';
    const a = this.data.answer || {};
    const item = { path: `/ask/${encodeURIComponent(a.answer_id || 'pending')}/feedback`, data: { helpful }, key: drafts.newKey() };
    if (a.answer_id) {
      try {
        await api.post(item.path, item.data, { idempotencyKey: item.key });
        this.setData({ feedback: '谢谢，已收到您的评价' });
        return;
      } catch (err) {
        if (!(err.retryable || err.status === 404)) { this.setData({ feedback: err.message }); return; }
      }
    }
    outbox.add(item);
    this.setData({ feedback: '谢谢，您的评价已记下，网络好时自动发送' });
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
