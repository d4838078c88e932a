/**
 * @jest-environment node
 *
 * 找导师, 创业载体 and 创业活动: page logic with a captured page config and a fake wx.request.
 */
const { capturePage, ev } = require('../helpers/page');
const { fakeRequest, memoryStorage } = require('../helpers/fakeapi');
const api = require('../../src/lib/api');
const drafts = require('../../src/lib/drafts');
const forms = require('../../src/lib/forms');
const { MESSAGES } = require('../../src/lib/errors');

const LOGIN = () => ({ body: { token: 't-ok', expires_in: 604800, user: { id: 1, has_phone: false } } });

function useWx(routes, extra) {
  const fake = fakeRequest({ 'POST /auth/login': LOGIN, ...routes });
  global.wx = {
    ...global.wx, request: fake.request, login: ({ success }) => success({ code: 'c1' }),
    showModal: ({ success }) => success({ confirm: true }),
    getLocation: ({ fail }) => fail({ errMsg: 'getLocation:fail auth deny' }),
    ...(extra || {}),
  };
  memoryStorage(global.wx);
  api.logout();
  api.configure({ apiBase: 'http://api.test' });
  return fake;
}

async function fill(page, values) {
  for (const [field, value] of Object.entries(values)) await page.onField(ev({ field }, { value }));
}

const MENTOR = { id: 3, name: '张老师', title: '高级经济师', organisation: '州人社局', team: null };
const REQUEST = (over) => ({
  id: 7, status: 'assigned', status_text: '导师帮扶中', county: '元谋县', industry: '电商', need: '网店刚开，想学推广', name: '李*',
  phone: '139****5678', mentor: MENTOR, assigned_at: '2026-12-01T10:00:00+08:00', rating: null, rating_comment: '', created_at: '2026-12-01T09:00:00+08:00',
  follow_ups: [{ id: 1, date: '2026-12-02', kind: '现场指导', note: '看了店铺', author_role: 'mentor', author_name: '张老师', created_at: '2026-12-02T10:00:00+08:00' }],
  ...(over || {}),
});

describe('找导师', () => {
  test('the areas and counties are the API\'s; the mentors shown follow the choice', async () => {
    const fake = useWx({ 'GET /mentor-requests/mine': () => ({ body: { requests: [] } }), 'GET /mentors': () => ({ body: { mentors: [MENTOR] } }) });
    const p = capturePage('mentor');
    await p.onLoad();
    expect(p.data.options.industry.map((o) => o.value)).toEqual(forms.form('MentorForm').fields.industry.enum);
    expect(p.data.options.county.map((o) => o.value)).toContain('元谋县');
    expect(p.data.showForm).toBe(true);
    await fill(p, { county: '元谋县', industry: '电商' });
    expect(fake.sent.filter((s) => s.key === 'GET /mentors').pop().query).toEqual({ county: '元谋县', industry: '电商' });
    expect(p.data.mentors.map((m) => m.name)).toEqual(['张老师']);
  });

  test('the request keeps its draft key through a time-out, and a 422 lands under its field', async () => {
    let n = 0;
    const fake = useWx({
      'GET /mentor-requests/mine': () => ({ body: { requests: [] } }),
      'GET /mentors': () => ({ body: { mentors: [] } }),
      'POST /mentor-requests': () => {
        n += 1;
        if (n === 1) return { fail: 'request:fail timeout' };
        return { status: 422, body: { error: { code: 'invalid_input', message: '请检查填写的内容', fields: { need: '具体需求：请多写几个字' } } } };
      },
    });
    const p = capturePage('mentor');
    await p.onLoad();
    await fill(p, { county: '元谋县', industry: '电商', need: '想学推广', name: '李四', phone: '13912345678' });
    const { key } = drafts.load('mentor');
    expect(await p.submit()).toBeUndefined();
    expect(p.data.netError).toBe(MESSAGES.timeout);
    expect(await p.retry()).toBeUndefined();
    expect(p.data.errors).toEqual({ need: '具体需求：请多写几个字' });
    expect(fake.sent.filter((s) => s.key === 'POST /mentor-requests').map((s) => s.header['Idempotency-Key'])).toEqual([key, key]);
    expect(drafts.load('mentor').values.name).toBe('李四');
  });

  test('my mentor, the follow-ups, and a rating from 1 to 5 once a mentor is assigned', async () => {
    let rated = null;
    const fake = useWx({
      'GET /mentor-requests/mine': () => ({ body: { requests: [REQUEST(rated ? { rating: rated.rating, rating_comment: rated.comment } : {})] } }),
      'GET /mentors': () => ({ body: { mentors: [] } }),
      'POST /mentor-requests/7/rating': (opts) => { rated = opts.data; return { body: { request: REQUEST({ rating: rated.rating }) } }; },
    });
    const p = capturePage('mentor');
    await p.onLoad();
    expect(p.data.showForm).toBe(false); // an open request: no second form until asked
    expect(p.data.stars).toEqual([1, 2, 3, 4, 5]);
    const [r] = p.data.requests;
    expect(r).toMatchObject({ canRate: true, open: true });
    expect(r.followUps[0]).toMatchObject({ kind: '现场指导', who: '张老师' });
    await p.rate(ev({ id: 7 }));
    expect(p.data.message).toBe('请先点几分');
    p.star(ev({ id: 7, n: 5 }));
    p.onComment(ev({ id: 7 }, { value: ' 很有帮助 ' }));
    const out = await p.rate(ev({ id: 7 }));
    expect(out.rating).toBe(5);
    expect(rated).toEqual({ rating: 5, comment: '很有帮助' });
    expect(fake.sent.find((s) => s.key === 'POST /mentor-requests/7/rating').header['Idempotency-Key']).toMatch(/^mp-/);
    expect(p.data.notice).toBe('谢谢您的评价');
    expect(p.data.ratings[7]).toEqual({ rating: 5, comment: '很有帮助' });
  });
});

const CARRIER = (id, kind, label, km) => ({
  id, kind, kind_label: label, name: `载体${id}`, county: '元谋县', industries: [], address: '元马镇', lat: 25.7, lng: 101.87,
  offers: { space: '200 平方米', desks: '20 个', free_period: '一年', services: '工商代办' }, contact: '0878-1', demo: false, distance_km: km,
});

describe('创业载体', () => {
  test('tabs by kind from the document, nearest first with the location, apply with draft + key, 422 under the input, withdraw', async () => {
    let posts = 0;
    let status = 'submitted';
    const fake = useWx({
      'GET /carriers': (opts) => {
        const q = new URL(opts.url).searchParams;
        const all = [CARRIER(4, 'base', '孵化基地', 0.4), CARRIER(7, 'village', '创业村落', 12.3)];
        return { body: { carriers: all.filter((c) => !q.get('kind') || c.kind === q.get('kind')) } };
      },
      'GET /carrier-applications/mine': () => ({ body: { applications: posts > 1 ? [{ id: 11, carrier_id: 4, carrier: '载体4', county: '元谋县', name: '李*', phone: '139****5678', project: '彝绣工作室', team_size: 3, needs: '场地', status, status_text: status === 'submitted' ? '已提交' : '已撤回', decision_note: null, created_at: '2026-12-01T09:00:00+08:00' }] : [] } }),
      'POST /carrier-applications': () => {
        posts += 1;
        if (posts === 1) return { status: 422, body: { error: { code: 'invalid_input', message: '请检查', fields: { team_size: '团队人数：最多 500 人' } } } };
        return { status: 201, body: { application: { id: 11, carrier: '载体4', status: 'submitted', status_text: '已提交' } } };
      },
      'POST /carrier-applications/11/withdraw': () => { status = 'withdrawn'; return { body: { application: { id: 11, status } } }; },
    }, { getLocation: ({ success }) => success({ latitude: 25.7, longitude: 101.87 }) });
    const p = capturePage('carriers');
    await p.onLoad();
    expect(p.data.kinds.map((k) => k.label)).toEqual(['全部', '孵化基地', '创业小镇', '创业社区', '创业村落']);
    expect(fake.sent.find((s) => s.key === 'GET /carriers').query).toEqual({ lat: '25.7000', lng: '101.8700' });
    expect(p.data.carriers.map((c) => c.distance)).toEqual(['约 0.4 公里', '约 12.3 公里']);
    await p.pickKind(ev({ kind: 'village' }));
    expect(fake.sent.filter((s) => s.key === 'GET /carriers').pop().query).toMatchObject({ kind: 'village', lat: '25.7000' });
    expect(p.data.carriers.map((c) => c.id)).toEqual([7]);
    await p.pickKind(ev({ kind: '' }));
    p.pick(ev({ id: 4 }));
    expect(p.data.carrier.id).toBe(4);
    await fill(p, { project: '彝绣工作室', team_size: '3', needs: '20 平方米场地', name: '李四', phone: '13912345678' });
    // a fresh page restores the draft and the chosen carrier
    const again = capturePage('carriers');
    await again.onLoad();
    expect(again.data.values).toMatchObject({ carrier_id: 4, project: '彝绣工作室' });
    expect(again.data.carrier.id).toBe(4);
    const { key } = drafts.load('carrier');
    expect(await p.submit()).toBeUndefined();
    expect(p.data.errors).toEqual({ team_size: '团队人数：最多 500 人' });
    p.onField(ev({ field: 'team_size' }, { value: '4' }));
    const app = await p.submit();
    expect(app.id).toBe(11);
    const sent = fake.sent.filter((s) => s.key === 'POST /carrier-applications');
    expect(sent.map((s) => s.header['Idempotency-Key'])).toEqual([key, key]);
    expect(sent[1].data).toEqual({ carrier_id: 4, project: '彝绣工作室', team_size: 4, needs: '20 平方米场地', name: '李四', phone: '13912345678' });
    expect(wx.getStorageSync('draft:carrier')).toBe('');
    expect(p.data.applications[0]).toMatchObject({ id: 11, canWithdraw: true });
    await p.withdraw(ev({ id: 11 }));
    expect(p.data.notice).toBe('入驻申请已撤回');
    expect(p.data.applications[0].canWithdraw).toBe(false);
  });

  test('a refused location still lists the carriers and says why', async () => {
    useWx({ 'GET /carriers': () => ({ body: { carriers: [CARRIER(4, 'base', '孵化基地', null)] } }), 'GET /carrier-applications/mine': () => ({ body: { applications: [] } }) });
    const p = capturePage('carriers');
    await p.onLoad();
    expect(p.data.located).toBe(false);
    expect(p.data.carriers[0].distance).toBe('');
    expect(p.data.locationNote).toMatch(/没有拿到您的位置/);
  });
});

const EVENT = (id, remaining) => ({
  id, title: `创业沙龙${id}`, kind: '沙龙·经验交流', description: '', start: '2030-12-20T14:00:00+08:00', end: '2030-12-20T17:00:00+08:00',
  county: '元谋县', place: '县人社局三楼', online_url: null, capacity: 30, remaining, signup_deadline: null, demo: false,
});

describe('创业活动', () => {
  test('upcoming events, full ones cannot be picked; sign-up shows the code; my sign-ups; cancel', async () => {
    let regs = [];
    const fake = useWx({
      'GET /events': () => ({ body: { events: [EVENT(1, 5), EVENT(2, 0)] } }),
      'GET /event-registrations/mine': () => ({ body: { registrations: regs } }),
      'POST /event-registrations': (opts) => {
        const r = { id: 9, event_id: opts.data.event_id, event_title: '创业沙龙1', event_start: '2030-12-20T14:00:00+08:00', county: '元谋县', place: '县人社局三楼', online_url: null, name: '李四', phone_masked: '139****5678', status: 'registered', status_text: '已报名', code: 'H4K9P2', created_at: '2026-12-01T09:00:00+08:00' };
        regs = [r];
        return { status: 201, body: { registration: r } };
      },
      'POST /event-registrations/9/cancel': () => { regs = [{ ...regs[0], status: 'cancelled', status_text: '已取消' }]; return { body: { registration: regs[0] } }; },
    });
    const p = capturePage('events');
    await p.onLoad();
    expect(p.data.events.map((e) => [e.when, e.full])).toEqual([['12月20日 14:00–17:00', false], ['12月20日 14:00–17:00', true]]);
    p.pick(ev({ id: 2, full: true }));
    expect(p.data.event).toBeNull();
    p.pick(ev({ id: 1, full: false }));
    expect(p.data.event.id).toBe(1);
    await fill(p, { name: '李四', phone: '1391234' });
    expect(await p.submit()).toBeUndefined();
    expect(p.data.errors.phone).toMatch(/手机号/);
    expect(fake.sent.filter((s) => s.key === 'POST /event-registrations')).toHaveLength(0);
    await fill(p, { phone: '13912345678' });
    const { key } = drafts.load('event');
    const reg = await p.submit();
    expect(reg.code).toBe('H4K9P2');
    expect(fake.sent.find((s) => s.key === 'POST /event-registrations').header['Idempotency-Key']).toBe(key);
    expect(p.data.done).toMatchObject({ code: 'H4K9P2', when: '12月20日 14:00' });
    expect(p.data.registrations[0]).toMatchObject({ id: 9, active: true, canCancel: true });
    await p.cancel(ev({ id: 9 }));
    expect(p.data.notice).toMatch(/报名已取消/);
    expect(p.data.registrations[0]).toMatchObject({ status: 'cancelled', active: false, canCancel: false });
  });

  test('a full event (409 event_full) is said in the server\'s words', async () => {
    useWx({
      'GET /events': () => ({ body: { events: [EVENT(1, 1)] } }),
      'GET /event-registrations/mine': () => ({ body: { registrations: [] } }),
      'POST /event-registrations': () => ({ status: 409, body: { error: { code: 'event_full', message: '名额已满', fields: {} } } }),
    });
    const p = capturePage('events');
    await p.onLoad();
    p.pick(ev({ id: 1, full: false }));
    await fill(p, { name: '李四', phone: '13912345678' });
    expect(await p.submit()).toBeUndefined();
    expect(p.data.message).toBe('名额已满');
  });
});
