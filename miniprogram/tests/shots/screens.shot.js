/**
 * Screenshots of the main pages (npm run screenshots): the page logic runs against the real backend
 * (as in the e2e tests) to get real data, the WXML is rendered to HTML by miniprogram-simulate, and
 * scripts/screenshots.py captures each HTML file in headless Chromium.
 */
const fs = require('fs');
const path = require('path');
const { startBackend } = require('../e2e/backend');
const { makeWx } = require('../helpers/wx-node');
const { capturePage, ev } = require('../helpers/page');
const { renderPage } = require('../helpers/render');

jest.setTimeout(120000);
const OUT = process.env.SHOTS_HTML_DIR || path.resolve(__dirname, '../../.shots');
let backend;

beforeAll(async () => { backend = await startBackend(); fs.mkdirSync(OUT, { recursive: true }); }, 90000);
afterAll(() => backend && backend.stop());

const BASE_CSS = `
  html, body { margin: 0; background: #f3f3f3; font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif; }
  .phone { width: 375px; }
  wx-view, wx-scroll-view, wx-form, wx-label, wx-input, wx-textarea, wx-image, main { display: block; }
  wx-text, wx-icon { display: inline; }
  wx-button { display: block; font: inherit; }
  wx-input, wx-textarea { min-height: 24px; }
  /* TDesign's icon font comes from its CDN at run time; offline, draw the few icons these pages use */
  [class*="t-icon--t-icon-"]::before { font-family: sans-serif !important; content: "" !important; }
  [class*="t-icon--t-icon-chevron-right"]::before { content: "›" !important; font-size: 1.4em; }
  [class*="t-icon--t-icon-check"]::before { content: "✓" !important; }
  wx-input[placeholder]:empty::before, wx-textarea[placeholder]:empty::before { content: attr(placeholder); color: #8b8b8b; }
`;

function snapshot(name, data, as) {
  document.head.innerHTML = '';
  document.body.innerHTML = '';
  const { root } = renderPage(name, data);
  // `page { ... }` rules (TDesign's design tokens, our body text size) apply to the document here.
  const styles = Array.from(document.querySelectorAll('style')).map((s) => s.textContent.replace(/(^|[}\s,])page(?=[\s,{])/g, '$1body')).join('\n');
  const html = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>${BASE_CSS}</style><style>${styles}</style></head><body>${root.outerHTML}</body></html>`;
  fs.writeFileSync(path.join(OUT, `miniprogram-${as || name}.html`), html);
}

test('render the main pages with data from the real backend', async () => {
  const realWx = global.wx;
  const useNet = () => { const w = makeWx({ location: { lat: 25.70, lng: 101.87 }, loginPrefix: 'shots' }); Object.assign(global.wx, w); return w; };
  global.wx = { ...realWx };
  useNet();
  const api = require('../../src/lib/api');
  api.configure({ apiBase: backend.base });

  const home = capturePage('home');
  const answer = capturePage('answer');
  await answer.onLoad({ q: encodeURIComponent('返乡农民工开药膳馆能贷多少？') });
  const windows = capturePage('windows');
  await windows.onLoad();
  const win = capturePage('window');
  await win.onLoad({ id: String(windows.data.windows[0].id) });
  win.onField(ev({ field: 'purpose' }, { value: '创业担保贷款' }));
  win.onField(ev({ field: 'name' }, { value: '李四' }));
  let slot;
  for (const day of win.data.days) {
    await win.pickDay(ev({ date: day.date }));
    slot = win.data.slots.find((s) => !s.full);
    if (slot) break;
  }
  win.pickSlot(ev({ start: slot.start, full: false }));
  win.onField(ev({ field: 'phone' }, { value: '13912345678' }));
  const appointment = await win.submit();
  const booked = capturePage('booked');
  booked.onLoad();
  const loan = capturePage('loan');
  loan.onLoad();
  for (const [field, value] of Object.entries({ product: '创业担保贷款', category: '返乡创业农民工', county: '元谋县', business_type: '民族药膳', amount: '300000', purpose: '开药膳馆，购买设备', name: '李四', id_number: '532328199001011231', phone: '13912345678' })) {
    loan.onField(ev({ field }, { value }));
  }
  loan.setData({ step: 2 });
  await loan.submit();
  const loanError = JSON.parse(JSON.stringify(loan.data));
  loan.onField(ev({ field: 'id_number' }, { value: '532328199001011238' }));
  await loan.submit();
  const training = capturePage('training');
  await training.onLoad();
  const mine = capturePage('mine');
  await mine.onShow();

  // 创业活动, 创业载体, 找导师: the bureau publishes an event and adds a mentor, as in its console
  const day = (n, hhmm) => `${new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10)}T${hhmm}:00+08:00`;
  await backend.staff('POST', '/staff/events', { title: '元谋县返乡创业沙龙', kind: '沙龙·经验交流', description: '返乡创业的老乡讲讲开店、贷款和找场地的经验。', start: day(10, '14:00'), end: day(10, '17:00'), county: '元谋县', place: '元谋县人社局三楼会议室', capacity: 30 });
  await backend.staff('POST', '/staff/events', { title: '楚雄州创业项目路演', kind: '项目路演·成果展示', start: day(20, '09:00'), end: day(20, '12:00'), county: '楚雄市', place: '楚雄州会展中心', online_url: 'https://live.example.gov.cn/roadshow', capacity: 200 });
  const mentorMade = await backend.staff('POST', '/staff/mentors', { name: '张导师', organisation: '楚雄州创业指导中心', title: '创业导师', expertise: ['电商'], counties: ['元谋县'], phone: '13800000000', capacity: 5 });
  const events = capturePage('events');
  await events.onLoad();
  events.pick(ev({ id: events.data.events[0].id, full: false }));
  events.onField(ev({ field: 'name' }, { value: '李四' }));
  events.onField(ev({ field: 'phone' }, { value: '13912345678' }));
  await events.submit();
  const carriers = capturePage('carriers');
  await carriers.onLoad();
  const carriersList = JSON.parse(JSON.stringify(carriers.data));
  await carriers.pickKind(ev({ kind: 'base' }));
  carriers.pick(ev({ id: carriers.data.carriers[0].id }));
  for (const [field, value] of Object.entries({ project: '彝绣文创工作室', team_size: '600', needs: '20 平方米场地、3 个工位', name: '李四', phone: '13912345678' })) {
    carriers.onField(ev({ field }, { value }));
  }
  await carriers.submit(); // 600 people: the limit from the document, shown under the input
  const carrierError = JSON.parse(JSON.stringify(carriers.data));
  const mentor = capturePage('mentor');
  await mentor.onLoad();
  for (const [field, value] of Object.entries({ county: '元谋县', industry: '电商', need: '网店刚开，想学怎么推广', name: '李四', phone: '13912345678' })) {
    await mentor.onField(ev({ field }, { value }));
  }
  const mentorForm = JSON.parse(JSON.stringify(mentor.data));
  const request = await mentor.submit();
  await backend.staff('POST', `/staff/mentor-requests/${request.id}/assign`, { mentor_id: mentorMade.body.mentor.id });
  await mentor.load();
  mentor.star(ev({ id: request.id, n: 5 }));
  await mentor.rate(ev({ id: request.id }));
  const feedback = capturePage('answer');
  await feedback.onLoad({ q: encodeURIComponent('返乡农民工开药膳馆能贷多少？') });
  await feedback.feedback(ev({ helpful: 'yes' }));
  expect([win.data.message, win.data.netError, win.data.errors]).toEqual(['', '', {}]);
  expect(appointment).toBeTruthy();

  global.wx = realWx;
  snapshot('home', home.data);
  snapshot('answer', answer.data);
  snapshot('windows', windows.data);
  snapshot('window', win.data);
  snapshot('booked', booked.data);
  snapshot('loan', loanError, 'loan-error');
  snapshot('loan', loan.data, 'loan-result');
  snapshot('training', training.data);
  snapshot('mine', mine.data);
  snapshot('home', { ...home.data, large: true }, 'home-large');
  snapshot('answer', feedback.data, 'answer-feedback');
  snapshot('events', events.data);
  snapshot('carriers', carriersList);
  snapshot('carriers', carrierError, 'carriers-apply');
  snapshot('mentor', mentorForm, 'mentor-form');
  snapshot('mentor', mentor.data);
});
