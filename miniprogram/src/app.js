const api = require('./lib/api');
const outbox = require('./lib/outbox');

App({
  globalData: {},
  onLaunch() {
    // Log in quietly in the background; pages that need it wait for the same promise.
    api.ensureLogin().catch(() => { /* a page that needs the token explains when it asks */ });
  },
  onShow() {
    outbox.flush().catch(() => {});
  },
});
