module.exports = {
  testEnvironment: 'jsdom',
  // TDesign ships ES modules (WeChat DevTools transpiles them when it builds npm); babel does it for jest.
  transformIgnorePatterns: ['/node_modules/(?!tdesign-miniprogram/)'],
  setupFiles: ['<rootDir>/tests/setup/globals.js'],
  globalSetup: '<rootDir>/tests/helpers/globalSetup.js',
  testMatch: ['<rootDir>/tests/**/*.test.js'],
  maxWorkers: 2,
};
