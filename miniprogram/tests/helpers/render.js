// Rendering pages with miniprogram-simulate. A page is loaded as a component through a
// Page → Component shim: the page's data stays data, its functions become methods, and the app-wide
// usingComponents (TDesign, resolved in src/miniprogram_npm as DevTools' "构建 npm" lays it out) and
// app.wxss apply, as they do in the mini-program.
const fs = require('fs');
const path = require('path');
const simulate = require('miniprogram-simulate');
const wxss = require('miniprogram-simulate/src/wxss');
const simulateUtils = require('miniprogram-simulate/src/utils');
const { buildNpm, SRC } = require('./npm');

// The simulator turns 1rpx into 1px; on the 375 px phone the tests stand for, 1rpx is 0.5px.
simulateUtils.transformRpx = (style) => style.replace(/(\d+(?:\.\d+)?)rpx/gi, (m, n) => `${Number(n) / 2}px`);

const APP = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8'));
const ids = {};

function pageToComponent(config) {
  const data = {};
  const methods = {};
  for (const [k, v] of Object.entries(config)) {
    if (typeof v === 'function') methods[k] = v;
    else if (k === 'data') Object.assign(data, v);
  }
  return { data, methods };
}

function usingComponents() {
  const out = {};
  for (const [tag, target] of Object.entries(APP.usingComponents)) out[tag] = `/miniprogram_npm/${target}`;
  return out;
}

function loadPage(name) {
  if (ids[name]) return ids[name];
  buildNpm();
  // The simulator runs each component's JS through require(); jest would hand back the cached module
  // (and TDesign would never call Component() again), so every page loads in a registry of its own,
  // which also leaves the modules the rest of the test uses (src/lib/api…) untouched.
  const saved = global.Page;
  global.Page = (config) => global.Component(pageToComponent(config));
  try {
    jest.isolateModules(() => {
      ids[name] = simulate.load(path.join(SRC, `pages/${name}/${name}`), 'main', {
        rootPath: SRC,
        usingComponents: usingComponents(),
        compilerOptions: { maxBuffer: 1024 * 1024 * 16 },
      });
    });
  } finally {
    global.Page = saved;
  }
  return ids[name];
}

function addAppStyle() {
  if (document.querySelector('style[data-app]')) return;
  const css = wxss.compile(fs.readFileSync(path.join(SRC, 'app.wxss'), 'utf8'), { prefix: 'main' });
  const style = document.createElement('style');
  style.setAttribute('data-app', 'app.wxss');
  style.textContent = simulateUtils.transformRpx(css);
  document.head.appendChild(style);
}

// Renders a page with the given data; returns the j-component and its root DOM node.
function renderPage(name, data) {
  const id = loadPage(name);
  addAppStyle();
  const comp = simulate.render(id);
  const parent = document.createElement('div');
  parent.className = 'phone';
  document.body.appendChild(parent);
  comp.attach(parent);
  if (data) comp.setData(data);
  return { comp, page: comp.instance, root: parent };
}

// Texts of the elements matching a selector (class names are prefixed "main--" by the simulator).
function texts(root, cls) {
  return Array.from(root.querySelectorAll(`.main--${cls}`)).map((n) => n.textContent.trim());
}

module.exports = { loadPage, renderPage, texts };
