// The WeChat globals a page or a TDesign component may touch, for jest (a 375 px phone).
const simulateApi = require('miniprogram-simulate/src/api');

const screen = { windowWidth: 375, windowHeight: 667, screenWidth: 375, screenHeight: 667, pixelRatio: 2, statusBarHeight: 20, screenTop: 0 };
const base = { SDKVersion: '3.5.0', version: '8.0.50', language: 'zh_CN', theme: 'light', fontSizeSetting: 16 };
const device = { brand: 'devtools', model: 'jest', platform: 'devtools', system: 'Linux' };

global.getApp = () => global.__app || { globalData: {} };
global.getCurrentPages = () => [];
global.wx = Object.assign({}, simulateApi, {
  getSystemInfoSync: () => ({ ...screen, ...base, ...device }),
  getWindowInfo: () => ({ ...screen }),
  getAppBaseInfo: () => ({ ...base }),
  getDeviceInfo: () => ({ ...device }),
  getMenuButtonBoundingClientRect: () => ({ top: 24, bottom: 56, left: 281, right: 368, width: 87, height: 32 }),
  canIUse: () => true,
});
