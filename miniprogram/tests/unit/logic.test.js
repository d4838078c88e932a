/**
 * @jest-environment node
 *
 * Page and library logic with a captured page config, a fake setData and a fake wx.request.
 */
const { capturePage, ev } = require('../helpers/page');
const { fakeRequest, memoryStorage } = require('../helpers/fakeapi');
const api = require('../../src/lib/api');
const drafts = require('../../src/lib/drafts');
const outbox = require('../../src/lib/outbox');
const forms = require('../../src/lib/forms');
const { MESSAGES } = require('../../src/lib/errors');

const LOGIN = () => ({ body: { token: 't-ok', expires_in: 604800, user: { id: 1, has_phone: false } } });

function useWx(routes, extra) {
  const fake = fakeRequest(routes);
  global.wx = { ...global.wx, request: fake.request, login: ({ success }) => success({ code: 'c1' }), ...(extra || {}) };
  memoryStorage(global.wx);
  api.configure({ apiBase: 'http://api.test' });
  return fake;
}

test('a 401 logs in once more and retries; a second 401 explains in plain words', async () => {
  let logins = 0;
  const fake = useWx({
    'POST /auth/login': () => { logins += 1; return LOGIN(); },
    'GET /appointments/mine': () => ({ status: 401, body: { error: { code: 'unauthorized', message: '请先登录', fields: {} } } }),
  });
  await expect(api.get('/appointments/mine', { auth: true })).rejects.toMatchObject({ kind: 'login', message: MESSAGES.login });
  expect(logins).toBe(2);
  expect(fake.sent.filter((s) => s.key === 'GET /appointments/mine')).toHaveLength(2);
});

test('a token close to expiry is renewed before use', async () => {
  const fake = useWx({ 'POST /auth/login': LOGIN, 'GET /appointments/mine': () => ({ body: { appointments: [] } }) });
  wx.setStorageSync('auth', { token: 'old', expiresAt: Date.now() + 3600 * 1000, user: { id: 1 } });
  await api.get('/appointments/mine', { auth: true });
  const sent = fake.sent.find((s) => s.key === 'GET /appointments/mine');
  expect(sent.header.Authorization).toBe('Bearer t-ok');
});

test('time-out and offline are plain Chinese, retryable, and the draft and its key survive', async () => {
  useWx({ 'POST /auth/login': LOGIN, 'POST /training-applications': () => ({ fail: 'request:fail timeout' }), 'GET /training/courses': () => ({ body: { courses: [] } }) });
  const p = capturePage('training');
  await p.onLoad();
  p.setData({ sessionId: 5 });
  for (const [field, value] of Object.entries({ county: '元谋县', category: '农村劳动力', name: '张三', id_number: '532301199203154413', phone: '13712345678' })) {
    p.onField(ev({ field }, { value }));
  }
  const { key } = drafts.load('training');
  expect(await p.submit()).toBeUndefined();
  expect(p.data.netError).toBe(MESSAGES.timeout);
  expect(drafts.load('training').key).toBe(key);
  expect(drafts.load('training').values.name).toBe('张三');
});

test('有用 goes to POST /ask/{answer_id}/feedback with an Idempotency-Key and is thanked', async () => {
  const fake = useWx({
    'POST /ask': () => ({ body: { answer: '可以贷 30 万', sources: [], confident: true, answer_id: 41 } }),
    'POST /ask/41/feedback': (opts) => ({ body: { answer_id: 41, helpful: opts.data.helpful } }),
  });
  const p = capturePage('answer');
  await p.onLoad({ q: encodeURIComponent('能贷多少') });
  expect(p.data.answer.answer).toContain('30 万');
  expect(await p.feedback(ev({ helpful: 'yes' }))).toEqual({ answer_id: 41, helpful: true });
  expect(p.data.feedback).toBe('谢谢，已收到您的评价');
  expect(p.data.rated).toBe('yes');
  const sent = fake.sent.find((s) => s.key === 'POST /ask/41/feedback');
  expect(sent.data).toEqual({ helpful: true });
  expect(sent.header['Idempotency-Key']).toMatch(/^mp-/);
  expect(outbox.items()).toHaveLength(0);
});

test('feedback sent offline waits in the outbox and is delivered for real, with the same key, when the app shows', async () => {
  let online = false;
  const fake = useWx({
    'POST /ask': () => ({ body: { answer: '可以贷 30 万', sources: [], confident: true, answer_id: 42 } }),
    'POST /ask/42/feedback': (opts) => (online ? { body: { answer_id: 42, helpful: opts.data.helpful } } : { fail: 'request:fail timeout' }),
  });
  const p = capturePage('answer');
  await p.onLoad({ q: 'x' });
  expect(await p.feedback(ev({ helpful: 'no' }))).toBeUndefined();
  expect(p.data.feedback).toMatch(/网络好时自动发送/);
  expect(outbox.items()).toEqual([expect.objectContaining({ path: '/ask/42/feedback', data: { helpful: false } })]);
  expect(await outbox.flush()).toBe(1); // still offline: kept
  online = true;
  expect(await outbox.flush()).toBe(0); // delivered
  const keys = fake.sent.filter((s) => s.key === 'POST /ask/42/feedback').map((s) => s.header['Idempotency-Key']);
  expect(keys).toHaveLength(3);
  expect(new Set(keys).size).toBe(1);
  expect(outbox.items()).toHaveLength(0);
});

test('the outbox drops what the server refuses (an answer it does not know: 404), and there is no pending fallback', async () => {
  const fake = useWx({ 'POST /ask': () => ({ body: { answer: '没有记下', sources: [], confident: true, answer_id: null } }) });
  wx.setStorageSync('outbox', [{ path: '/ask/9999/feedback', data: { helpful: true }, key: 'mp-old', at: Date.now() }]);
  expect(await outbox.flush()).toBe(0);
  expect(fake.sent.map((s) => s.key)).toEqual(['POST /ask/9999/feedback']);
  const p = capturePage('answer');
  await p.onLoad({ q: 'x' });
  await p.feedback(ev({ helpful: 'yes' }));
  expect(p.data.feedback).toMatch(/没有记下编号/);
  expect(fake.sent.filter((s) => /feedback/.test(s.key))).toHaveLength(1);
  expect(outbox.items()).toHaveLength(0);
});

test('an unsure answer offers 问人工 and 预约窗口', async () => {
  useWx({ 'POST /ask': () => ({ body: { answer: '这个问题我没有把握', sources: [], confident: false } }) });
  const p = capturePage('answer');
  await p.onLoad({ q: 'x' });
  expect(p.data.answer.confident).toBe(false);
});

test('the client-side checks use the limits of the OpenAPI document', () => {
  const meta = forms.form('LoanForm').fields;
  expect(forms.check('LoanForm', { amount: String(meta.amount.maximum + 1) }, ['amount']).amount).toMatch(/不能超过/);
  expect(forms.check('LoanForm', { phone: '12345' }, ['phone']).phone).toMatch(/手机号/);
  expect(forms.check('LoanForm', {}, ['name']).name).toBe('请填写姓名');
  expect(forms.options('LoanForm', 'product').map((o) => o.value)).toEqual(meta.product.enum);
});

test('a booking keeps its draft (and key) as the user types and restores it on return', async () => {
  useWx({ 'GET /windows': () => ({ body: { windows: [] } }) });
  const p = capturePage('window');
  await p.onLoad({ id: '9' });
  p.onField(ev({ field: 'name' }, { value: '李四' }));
  p.pickSlot(ev({ start: '2026-12-03T09:00:00+08:00', full: false }));
  const key = drafts.load('booking:9').key;
  const again = capturePage('window');
  await again.onLoad({ id: '9' });
  expect(again.data.values.name).toBe('李四');
  expect(again.data.start).toBe('2026-12-03T09:00:00+08:00');
  expect(drafts.load('booking:9').key).toBe(key);
});

test('every response field the pages read is in the generated types (npm run check:types)', async () => {
  const { execFile } = require('child_process');
  const path = require('path');
  const out = await new Promise((resolve) => {
    execFile('npm', ['run', '--silent', 'check:types'], { cwd: path.resolve(__dirname, '../..') },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, text: stdout + stderr }));
  });
  expect(out.text).toBe('');
  expect(out.code).toBe(0);
}, 60000);
