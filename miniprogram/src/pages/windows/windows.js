const api = require('../../lib/api');
const { definePage } = require('../../lib/page');

function locate() {
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'gcj02',
      success: (r) => resolve({ lat: r.latitude, lng: r.longitude }),
      fail: () => resolve(null), // refused or unavailable: list every window instead
    });
  });
}

Page(definePage({
  data: { windows: [], located: false, locationNote: '' },
  onLoad() {
    return this.load();
  },
  async load() {
    const where = await locate();
    const query = where ? { lat: where.lat.toFixed(4), lng: where.lng.toFixed(4) } : {};
    const out = await this.guard(() => api.get('/windows', { query }), 'load');
    if (!out) return;
    const windows = out.windows.map((w) => ({
      ...w,
      distance: w.distance_km === null || w.distance_km === undefined ? '' : `约 ${w.distance_km.toFixed(1)} 公里`,
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
