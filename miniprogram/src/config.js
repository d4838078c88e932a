// What a bureau changes when it brands and builds the mini-program (see ../README.md).
module.exports = {
  // The backend's HTTPS origin; it must also be listed under 开发管理 → 服务器域名 → request 合法域名.
  apiBase: 'https://chuangye.example.gov.cn',
  appName: '创业幸福地',
  // Subscribe-message template (审核结果/预约提醒), the same as the backend's wechat.subscribe_template_id.
  subscribeTemplateIds: [],
  requestTimeoutMs: 15000,
};
