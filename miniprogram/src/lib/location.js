// wx.getLocation as a promise that never fails: null when the user refuses or it is unavailable,
// so the pages can list everything instead (nearest first only when we know where the user is).
function locate() {
  return new Promise((resolve) => {
    wx.getLocation({
      type: 'gcj02',
      success: (r) => resolve({ lat: r.latitude, lng: r.longitude }),
      fail: () => resolve(null),
    });
  });
}

// The query the API takes (?lat=&lng=), rounded to about 10 m.
function query(where) {
  return where ? { lat: where.lat.toFixed(4), lng: where.lng.toFixed(4) } : {};
}

function distance(km) {
  return km === null || km === undefined ? '' : `约 ${Number(km).toFixed(1)} 公里`;
}

module.exports = { locate, query, distance };
