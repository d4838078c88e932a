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
const outbox = require('../../src/lib/outbox');

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

// A day some way ahead, in Beijing time as the API writes it: "2026-12-11T14:00:00+08:00".
function daysAhead(n, hhmm) {
  const d = new Date(Date.now() + 8 * 3600000 + n * 86400000).toISOString().slice(0, 10);
  return `${d}T${hhmm}:00+08:00`;
}

test('services: sign up for an event, apply to the nearest carrier from 元谋, ask for a mentor and rate the help, rate an answer', async () => {
  // what the bureau does in its console: publish an event, add a mentor
  const made = await backend.staff('POST', '/staff/events', {
    title: '元谋县返乡创业沙龙', kind: '沙龙·经验交流', start: daysAhead(10, '14:00'), end: daysAhead(10, '17:00'),
    county: '元谋县', place: '元谋县人社局三楼', capacity: 30,
  });
  expect(made.status).toBe(201);
  const mentorMade = await backend.staff('POST', '/staff/mentors', {
    name: '张导师', organisation: '楚雄州创业指导中心', title: '创业导师', expertise: ['电商'], counties: ['元谋县'], phone: '13800000000', capacity: 5,
  });
  expect(mentorMade.status).toBe(201);

  const wx = asVillager({ location: YUANMOU, loginPrefix: 'villager-f' });

  // 创业活动: the upcoming list, sign up, the check-in code large, under my sign-ups; then cancel
  const ev1 = capturePage('events');
  await ev1.onLoad();
  const event = ev1.data.events.find((e) => e.title === '元谋县返乡创业沙龙');
  expect(event).toMatchObject({ county: '元谋县', full: false, remaining: 30 });
  ev1.pick(ev({ id: event.id, full: false }));
  await fill(ev1, { name: '李四', phone: '13912345678' });
  const eventKey = drafts.load('event').key;
  const registration = await ev1.submit();
  expect(registration).toMatchObject({ event_id: event.id, status: 'registered' });
  expect(registration.code).toBeTruthy();
  expect(wx.requests.find((r) => r.method === 'POST' && r.url.endsWith('/event-registrations')).header['Idempotency-Key']).toBe(eventKey);
  expect(ev1.data.registrations.map((r) => [r.id, r.code, r.canCancel])).toEqual([[registration.id, registration.code, true]]);
  expect(ev1.data.events.find((e) => e.id === event.id).remaining).toBe(29);
  const shown = renderPage('events', ev1.data);
  expect(Array.from(shown.root.querySelectorAll('.main--code')).map((n) => n.textContent.trim())).toEqual([registration.code, registration.code]);
  shown.comp.detach();
  await ev1.cancel(ev({ id: registration.id }));
  expect(ev1.data.registrations[0]).toMatchObject({ status: 'cancelled', active: false });

  // 创业载体: nearest first from 元谋, apply to settle in (draft + Idempotency-Key), listed as mine
  const cs = capturePage('carriers');
  await cs.onLoad();
  expect(cs.data.located).toBe(true);
  const nearest = cs.data.carriers[0];
  expect(nearest.county).toBe('元谋县');
  expect(nearest.distance).toMatch(/公里/);
  const kms = cs.data.carriers.map((c) => c.distance_km);
  expect(kms).toEqual([...kms].sort((a, b) => a - b));
  await cs.pickKind(ev({ kind: nearest.kind }));
  expect(cs.data.carriers.every((c) => c.kind === nearest.kind)).toBe(true);
  cs.pick(ev({ id: nearest.id }));
  await fill(cs, { project: '彝绣文创工作室', team_size: '3', needs: '20 平方米场地、3 个工位', name: '李四', phone: '13912345678' });
  const carrierKey = drafts.load('carrier').key;
  const application = await cs.submit();
  expect(application).toMatchObject({ carrier_id: nearest.id, status: 'submitted' });
  expect(wx.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/carrier-applications')).map((r) => r.header['Idempotency-Key'])).toEqual([carrierKey]);
  expect(cs.data.applications.map((a) => [a.id, a.canWithdraw])).toEqual([[application.id, true]]);

  // 找导师: areas from the API, the mentors who serve them, the request; the bureau assigns; I rate
  const m = capturePage('mentor');
  await m.onLoad();
  expect(m.data.showForm).toBe(true);
  await fill(m, { county: '元谋县', industry: '电商' });
  expect(m.data.mentors.map((x) => x.name)).toContain('张导师');
  await fill(m, { need: '网店刚开，想学怎么推广', name: '李四', phone: '13912345678' });
  const request = await m.submit();
  expect(request).toMatchObject({ status: 'submitted' });
  expect(m.data.requests.map((r) => [r.id, r.canRate])).toEqual([[request.id, false]]);
  const assigned = await backend.staff('POST', `/staff/mentor-requests/${request.id}/assign`, { mentor_id: mentorMade.body.mentor.id });
  expect(assigned.status).toBe(200);
  await m.load();
  expect(m.data.requests[0]).toMatchObject({ status: 'assigned', canRate: true, mentor: { name: '张导师' } });
  m.star(ev({ id: request.id, n: 5 }));
  const rated = await m.rate(ev({ id: request.id }));
  expect(rated.rating).toBe(5);
  expect(m.data.requests[0].rating).toBe(5);

  // an answer rated 有用: POST /ask/{answer_id}/feedback, accepted (200)
  const a = capturePage('answer');
  await a.onLoad({ q: encodeURIComponent('返乡创业有什么补贴？') });
  expect(typeof a.data.answer.answer_id).toBe('number');
  const fb = await a.feedback(ev({ helpful: 'yes' }));
  expect(fb).toEqual({ answer_id: a.data.answer.answer_id, helpful: true });
  const sent = wx.requests.find((r) => r.url.endsWith(`/ask/${a.data.answer.answer_id}/feedback`));
  expect(sent.status).toBe(200);
  expect(a.data.feedback).toBe('谢谢，已收到您的评价');
  expect(wx.getStorageSync('outbox') || []).toHaveLength(0);
});

test('answer feedback queued while the connection is down is delivered to the real backend when the app shows', async () => {
  const proxy = await startDropProxy(Number(new URL(backend.base).port));
  try {
    const wx = asVillager({ location: null, loginPrefix: 'villager-g', apiBase: proxy.base });
    const a = capturePage('answer');
    await a.onLoad({ q: encodeURIComponent('创业担保贷款能贷多少？') });
    const id = a.data.answer.answer_id;
    proxy.dropNext();
    await a.feedback(ev({ helpful: 'no' }));
    expect(a.data.feedback).toMatch(/网络好时自动发送/);
    expect(await outbox.flush()).toBe(0);
    const tries = wx.requests.filter((r) => r.url.endsWith(`/ask/${id}/feedback`));
    expect(tries.map((r) => r.status)).toEqual([0, 200]);
    expect(new Set(tries.map((r) => r.header['Idempotency-Key'])).size).toBe(1);
  } finally {
    await proxy.close();
  }
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
