const { definePage } = require('../../lib/page');
const prefs = require('../../lib/prefs');

// Frequent questions are content (what villagers ask most at the windows), not an API enumeration.
const FREQUENT = [
  '创业担保贷款能贷多少？',
  '返乡农民工创业有什么补贴？',
  '申请贷款要带哪些材料？',
  '养老护理培训怎么报名？',
];

Page(definePage({
  data: { question: '', frequent: FREQUENT },
  onQuestion(e) {
    this.setData({ question: e.detail.value });
  },
  ask(e) {
    const q = ((e && e.currentTarget && e.currentTarget.dataset.q) || this.data.question || '').trim();
    if (!q) { this.setData({ message: '请先写下您想问的事' }); return; }
    wx.navigateTo({ url: `/pages/answer/answer?q=${encodeURIComponent(q)}` });
  },
  go(e) {
    const url = e.currentTarget.dataset.url;
    if (e.currentTarget.dataset.tab) wx.switchTab({ url }); else wx.navigateTo({ url });
  },
  toggleLarge() {
    const on = !this.data.large;
    prefs.setLargeText(on);
    this.setData({ large: on });
  },
}));
