// Only for jest: TDesign ships ES modules (WeChat DevTools transpiles them on upload).
module.exports = { plugins: ['@babel/plugin-transform-modules-commonjs'] };
