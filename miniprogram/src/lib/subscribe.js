// Asking for subscribe-message permission right after a submission, from the user's own tap
// (WeChat only allows the request inside a tap handler), and only when a template is configured.
const config = require('../config');

function askForUpdates() {
  return new Promise((resolve) => {
    const tmplIds = config.subscribeTemplateIds || [];
    if (!tmplIds.length || !wx.requestSubscribeMessage) { resolve('unavailable'); return; }
    wx.requestSubscribeMessage({
      tmplIds,
      success: (r) => resolve(tmplIds.some((id) => r[id] === 'accept') ? 'accepted' : 'declined'),
      fail: () => resolve('declined'),
    });
  });
}

function words(result) {
  return {
    accepted: '好的，有结果时会在微信里通知您',
    declined: '您没有打开通知，可以随时到“我的”里查看进度',
    unavailable: '有结果时请到“我的”里查看，窗口也会打电话联系您',
  }[result];
}

module.exports = { askForUpdates, words };
