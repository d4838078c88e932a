const storage = require('../../lib/storage');
const subscribe = require('../../lib/subscribe');
const { definePage, time } = require('../../lib/page');

Page(definePage({
  data: { appointment: null, when: '', notice: '' },
  onLoad() {
    const a = storage.get('lastAppointment', null);
    this.setData({ appointment: a, when: a ? time(a.start) : '' });
  },
  async remind() {
    this.setData({ notice: subscribe.words(await subscribe.askForUpdates()) });
  },
  mine() {
    wx.switchTab({ url: '/pages/mine/mine' });
  },
}));
