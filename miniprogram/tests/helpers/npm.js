// What WeChat DevTools' "构建 npm" does, for the tests: copy TDesign's miniprogram_dist into src/miniprogram_npm.
const fs = require('fs');
const path = require('path');

const SRC = path.resolve(__dirname, '../../src');
const DIST = path.dirname(require.resolve('tdesign-miniprogram/miniprogram_dist/index.js'));
const TARGET = path.join(SRC, 'miniprogram_npm/tdesign-miniprogram');

function buildNpm() {
  const stamp = path.join(TARGET, '.version');
  const version = require('tdesign-miniprogram/package.json').version;
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === version) return TARGET;
  fs.rmSync(TARGET, { recursive: true, force: true });
  fs.cpSync(DIST, TARGET, { recursive: true });
  fs.writeFileSync(stamp, version);
  return TARGET;
}

module.exports = { buildNpm, SRC };
