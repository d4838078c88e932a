/**
 * End to end against the real backend (`chuangye serve` + `chuangye standin`, SQLite): the page logic
 * is driven as a villager would, wx.request goes over Node's http client to the server.
 */
const { execFile } = require('child_process');
const path = require('path');
const { startBackend } = require('./backend');
const { makeWx } = require('../helpers/wx-node');
const { capturePage, ev } = require('../helpers/page');
const { startDropProxy } = require('../helpers/dropproxy');
const { renderPage } = require('../helpers/render');
const api = require('../../src/lib/api');
const drafts = require('../../src/lib/drafts');

jest.setTimeout(60000);

const YUANMOU = { lat: 25.70, lng: 101.87 };
let backend;

beforeAll(async () => { backend = await startBackend(); }, 90000);
afterAll(() => backend && backend.stop());

const runtimeWx = global.wx; // what the simulator and TDesign need (system info…)

function asVillager(opts) {
  global.wx = Object.assign({}, runtimeWx, makeWx(opts));
  api.logout();
  api.configure({ apiBase: opts.apiBase || backend.base });
  return global.wx;
}

async function fill(page, values) {
  for (const [field, value] of Object.entries(values)) page.onField(ev({ field }, { value }));
}

async function bookFirstFreeSlot(windowId, who) {
  const w = capturePage('window');
  await w.onLoad({ id: String(windowId) });
  expect(w.data.window.id).toBe(windowId);
  let slot;
  for (const day of w.data.days) {
    await w.pickDay(ev({ date: day.date }));
    slot = w.data.slots.find((s) => !s.full);
    if (slot) break;
  }
  expect(slot).toBeTruthy();
  w.pickSlot(ev({ start: slot.start, full: false }));
  await fill(w, { purpose: '创业担保贷款', name: who.name, phone: who.phone });
  return { w, slot };
}

const LOAN = {
  product: '创业担保贷款', category: '返乡创业农民工', county: '元谋县',
  business_type: '民族药膳', amount: '300000', purpose: '开药膳馆，购买设备',
};

async function fillLoan(l, person) {
  await fill(l, { product: LOAN.product, category: LOAN.category, county: LOAN.county });
  l.next();
  expect(l.data.step).toBe(1);
  await fill(l, { business_type: LOAN.business_type, amount: LOAN.amount, purpose: LOAN.purpose });
  l.next();
  expect(l.data.step).toBe(2);
  await fill(l, person);
}

test('scenario 1: log in, nearest window from 元谋, book, loan pre-check after fixing the ID, 我的, cancel', async () => {
  const wx = asVillager({ location: YUANMOU, loginPrefix: 'villager-a' });

  // log in (what App.onLaunch does): wx.login → /auth/login, token kept in storage
  const s = await api.ensureLogin();
  expect(s.token).toBeTruthy();
  expect(wx.getStorageSync('auth').token).toBe(s.token);

  // the nearest window from 元谋's coordinates
  const list = capturePage('windows');
  list.onShow();
  await list.onLoad();
  expect(list.data.located).toBe(true);
  expect(list.data.windows[0].county).toBe('元谋县');
  expect(list.data.windows[0].distance).toMatch(/公里/);
  list.open(ev({ id: list.data.windows[0].id }));
  expect(wx.navigations.pop()).toBe(`/pages/window/window?id=${list.data.windows[0].id}`);

  // book a slot
  const { w, slot } = await bookFirstFreeSlot(list.data.windows[0].id, { name: '李四', phone: '13912345678' });
  const appointment = await w.submit();
  expect(appointment).toMatchObject({ window_id: list.data.windows[0].id, start: slot.start, status: 'booked' });
  expect(appointment.code).toBeTruthy();
  expect(wx.navigations.pop()).toBe(`/pages/booked/booked?id=${appointment.id}`);
  const booked = capturePage('booked');
  booked.onLoad();
  expect(booked.data.appointment.code).toBe(appointment.code);
  const post = wx.requests.find((r) => r.method === 'POST' && r.url.endsWith('/api/v1/appointments'));
  expect(post.header['Idempotency-Key']).toMatch(/^mp-/);

  // loan pre-application with a wrong ID check digit: the error lands under the field
  const l = capturePage('loan');
  l.onLoad();
  await fillLoan(l, { name: '李四', id_number: '532328199001011231', phone: '13912345678' });
  // the draft is kept as the user types: a fresh page restores it
  const again = capturePage('loan');
  again.onLoad();
  expect(again.data.values.id_number).toBe('532328199001011231');
  expect(again.data.step).toBe(2);
  const keyBefore = drafts.load('loan').key;
  expect(await l.submit()).toBeUndefined();
  expect(l.data.step).toBe(2);
  expect(l.data.errors.id_number).toMatch(/校验位/);
  expect(Object.keys(l.data.errors)).toEqual(['id_number']);
  // rendered, the server's message sits right under the ID number input
  const { root, comp } = renderPage('loan', l.data);
  const shown = root.querySelectorAll('.main--field-error');
  expect(shown).toHaveLength(1);
  const under = shown[0];
  expect(under.textContent).toBe(l.data.errors.id_number);
  expect(under.previousElementSibling.textContent).toContain('身份证号');
  comp.detach();

  // fix it and see the pre-check (预审) with its reasons; the same draft key is used
  l.onField(ev({ field: 'id_number' }, { value: '532328199001011238' }));
  expect(l.data.errors.id_number).toBeUndefined();
  const application = await l.submit();
  expect(application.eligibility.label).toBeTruthy();
  expect(application.eligibility.reasons.length).toBeGreaterThan(0);
  expect(l.data.result.id).toBe(application.id);
  expect(l.data.step).toBe(3);
  const loanPosts = wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/loan-applications'));
  expect(loanPosts.map((r) => r.header['Idempotency-Key'])).toEqual([keyBefore, keyBefore]);
  expect(wx.getStorageSync('draft:loan')).toBe(''); // cleared once submitted

  // both under 我的, then cancel the booking
  const mine = capturePage('mine');
  await mine.onShow();
  expect(mine.data.appointments.map((a) => a.id)).toEqual([appointment.id]);
  expect(mine.data.appointments[0].canCancel).toBe(true);
  expect(mine.data.loans.map((a) => a.id)).toEqual([application.id]);
  expect(mine.data.loans[0].canWithdraw).toBe(true);
  await mine.cancel(ev({ id: appointment.id }));
  expect(mine.data.notice).toBe('预约已取消');
  expect(mine.data.appointments[0].status).toBe('cancelled');
  expect(mine.data.appointments[0].status_text).toBeTruthy();
  expect(mine.data.appointments[0].canCancel).toBe(false);
});

test('scenario 2: the connection drops after the server commits; the retry reuses the key; one record', async () => {
  const proxy = await startDropProxy(Number(new URL(backend.base).port));
  try {
    const wx = asVillager({ location: null, loginPrefix: 'villager-b', apiBase: proxy.base });
    const l = capturePage('loan');
    l.onLoad();
    await fillLoan(l, { name: '王五', id_number: '532301199203154413', phone: '13812345678' });
    const key = drafts.load('loan').key;

    await api.ensureLogin();
    proxy.dropNext();
    expect(await l.submit()).toBeUndefined();
    expect(proxy.dropped[0]).toMatch(/^HTTP\/1\.1 201/); // the server had committed and answered
    expect(l.data.netError).toMatch(/重试/);
    expect(l.data.retryName).toBe('submit');
    expect(drafts.load('loan')).toMatchObject({ key, values: { name: '王五' } }); // nothing lost

    const application = await l.retry();
    expect(application.id).toBeTruthy();
    const keys = wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/loan-applications')).map((r) => r.header['Idempotency-Key']);
    expect(keys).toEqual([key, key]);

    const mine = capturePage('mine');
    await mine.onShow();
    expect(mine.data.loans.map((a) => a.id)).toEqual([application.id]);
  } finally {
    await proxy.close();
  }
});

test('training: courses with sessions from the API, sign-up, listed under 我的', async () => {
  asVillager({ location: null, loginPrefix: 'villager-e' });
  const t = capturePage('training');
  await t.onLoad();
  expect(t.data.courses.length).toBeGreaterThan(0);
  const session = t.data.courses.flatMap((c) => c.sessions).find((x) => !x.full);
  t.pick(ev({ id: session.id, full: false }));
  expect(t.data.values.county).toBe(session.county);
  await fill(t, { category: '农村劳动力', name: '张三', id_number: '532301199203154413', phone: '13712345678' });
  const done = await t.submit();
  expect(done).toMatchObject({ session_id: session.id, status: 'submitted' });
  const mine = capturePage('mine');
  await mine.onShow();
  expect(mine.data.trainings.map((x) => x.id)).toEqual([done.id]);
  await mine.withdrawTraining(ev({ id: done.id }));
  expect(mine.data.trainings[0].status).toBe('withdrawn');
});

test('a refused location lists every window and says why', async () => {
  asVillager({ location: null, loginPrefix: 'villager-c' });
  const list = capturePage('windows');
  await list.onLoad();
  expect(list.data.located).toBe(false);
  expect(list.data.windows).toHaveLength(10);
  expect(list.data.locationNote).toMatch(/没有拿到您的位置/);
});

test('a forged token logs in once more, transparently', async () => {
  const wx = asVillager({ location: null, loginPrefix: 'villager-d' });
  wx.setStorageSync('auth', { token: 'forged.token.value', expiresAt: Date.now() + 7 * 86400000, user: { id: 0 } });
  const mine = capturePage('mine');
  await mine.onShow();
  expect(mine.data.netError).toBe('');
  expect(mine.data.message).toBe('');
  expect(wx.getStorageSync('auth').token).not.toBe('forged.token.value');
});

test('types and form metadata match what the live OpenAPI document generates (npm run check:api)', async () => {
  const out = await new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'check:api', '--', '--url', backend.base], { cwd: path.resolve(__dirname, '../..') },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
  expect(out.stderr).toBe('');
  expect(out.code).toBe(0);
});
