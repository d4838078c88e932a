// 适老化: a large-text mode the user turns on once; every page reads it in onShow.
const storage = require('./storage');

function largeText() {
  return !!storage.get('pref:largeText', false);
}
function setLargeText(on) {
  storage.set('pref:largeText', !!on);
}
module.exports = { largeText, setLargeText };
