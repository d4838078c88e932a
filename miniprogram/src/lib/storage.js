// Thin wrappers over wx storage that never throw (storage can be full or unavailable on old phones).
function get(key, fallback) {
  try {
    const v = wx.getStorageSync(key);
    return v === '' || v === undefined || v === null ? fallback : v;
  } catch (e) {
    return fallback;
  }
}
function set(key, value) {
  try { wx.setStorageSync(key, value); } catch (e) { /* keep going: a draft not saved is not an error to show */ }
}
function remove(key) {
  try { wx.removeStorageSync(key); } catch (e) { /* ignore */ }
}
module.exports = { get, set, remove };
