const api = require('../../lib/api');
const { definePage } = require('../../lib/page');
const { locate, query: near, distance } = require('../../lib/location');

Page(definePage({
  data: { windows: [], located: false, locationNote: '' },
  onLoad() {
    return this.load();
  },
  async load() {
    const where = await locate();
    const out = await this.guard(() => api.get('/windows', { query: near(where) }), 'load');
    if (!out) return;
    const windows = out.windows.map((w) => ({
      ...w,
      distance: distance(w.distance_km),
    }));
    this.setData({
      windows,
      located: !!where,
      locationNote: where ? '离您最近的排在最前面' : '没有拿到您的位置，下面按县市列出全部窗口。想看最近的，可以在右上角“…”→“设置”里允许使用位置。',
    });
  },
  open(e) {
    wx.navigateTo({ url: `/pages/window/window?id=${e.currentTarget.dataset.id}` });
  },
}));
