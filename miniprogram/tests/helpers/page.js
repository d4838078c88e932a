// Page logic without rendering: capture the config a page hands to Page(), and give it a `this`
// with data and a setData that merges, as the mini-program runtime does for top-level keys.
const fs = require('fs');
const path = require('path');

const SRC = path.resolve(__dirname, '../../src');

function capturePage(name) {
  // Each call runs the page file afresh (so each test gets its own config) while the lib modules it
  // requires stay shared through jest's registry, as they are in one running mini-program.
  let config;
  const file = path.join(SRC, `pages/${name}/${name}.js`);
  const run = new Function('require', 'Page', fs.readFileSync(file, 'utf8')); // eslint-disable-line no-new-func
  run((p) => require(path.resolve(path.dirname(file), p)), (c) => { config = c; });
  const page = {
    data: JSON.parse(JSON.stringify(config.data || {})),
    setData(patch) { Object.assign(this.data, JSON.parse(JSON.stringify(patch))); },
  };
  for (const [k, v] of Object.entries(config)) if (typeof v === 'function') page[k] = v.bind(page);
  return page;
}

// The e.currentTarget.dataset / e.detail a tap or change event carries.
function ev(dataset = {}, detail = {}) {
  return { currentTarget: { dataset }, detail };
}

module.exports = { capturePage, ev };
