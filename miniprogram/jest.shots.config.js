// npm run screenshots: renders the main pages to HTML (then scripts/screenshots.py captures them).
module.exports = { ...require('./jest.config'), testMatch: ['<rootDir>/tests/shots/*.shot.js'] };
