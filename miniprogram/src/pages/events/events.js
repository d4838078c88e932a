// 创业活动: upcoming events (contests, salons, roadshows, live streams) with places left; sign-up
// (draft + Idempotency-Key, 422 fields under the inputs); my sign-ups with the check-in code in large
// text, cancelled while the event has not started.
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const forms = require('../../lib/forms');
const { definePage, time } = require('../../lib/page');

const DRAFT = 'event';

function clock(iso) {
  const m = /T(\d{2}):(\d{2})/.exec(iso || '');
  return m ? `${m[1]}:${m[2]}` : '';
}

Page(definePage({
  data: {
    events: [], event: null, values: {}, errors: {}, done: null, registrations: [], notice: '',
    meta: forms.form('EventForm').fields,
  },
  onLoad() {
    this.setData({ values: drafts.load(DRAFT).values });
    return this.load();
  },
  async load() {
    const out = await this.guard(() => api.get('/events'), 'load');
    if (!out) return;
    this.setData({
      events: out.events.map((e) => ({
        ...e,
        when: `${time(e.start)}–${clock(e.end)}`,
        deadline: e.signup_deadline ? time(e.signup_deadline) : '',
        full: e.remaining <= 0,
      })),
    });
    if (this.data.values.event_id) this.choose(this.data.values.event_id);
    await this.loadMine();
  },
  async loadMine() {
    const out = await this.guard(() => api.get('/event-registrations/mine', { auth: true }), 'loadMine');
    if (!out) return;
    this.setData({
      registrations: out.registrations.map((r) => ({
        ...r, when: time(r.event_start), active: r.status === 'registered', canCancel: r.status === 'registered' && Date.parse(r.event_start) > Date.now(),
      })),
    });
  },
  choose(id) {
    const ev = this.data.events.find((x) => x.id === id);
    if (ev && !ev.full) this.setData({ event: ev });
  },
  pick(e) {
    const { id, full } = e.currentTarget.dataset;
    if (full) return;
    this.choose(Number(id));
    this.setData({ values: { ...this.data.values, event_id: Number(id) }, done: null });
    drafts.update(DRAFT, { values: { event_id: Number(id) } });
  },
  onField(e) {
    const field = e.currentTarget.dataset.field;
    const errors = { ...this.data.errors };
    delete errors[field];
    this.setData({ values: { ...this.data.values, [field]: e.detail.value }, errors });
    drafts.update(DRAFT, { values: { [field]: e.detail.value } });
  },
  async submit() {
    const v = this.data.values;
    const errors = forms.check('EventForm', v);
    if (Object.keys(errors).length) { this.setData({ errors, message: '还有几项没填好，请看红字提示' }); return undefined; }
    const body = { event_id: Number(v.event_id), name: String(v.name).trim(), phone: String(v.phone).trim() };
    const { key } = drafts.load(DRAFT);
    const out = await this.guard(() => api.post('/event-registrations', body, { auth: true, idempotencyKey: key }), 'submit');
    if (!out) {
      const fields = (this.lastError && this.lastError.fields) || {};
      if (Object.keys(fields).length) this.setData({ errors: fields, message: '有一项需要改一下，请看红字提示' });
      return undefined;
    }
    drafts.clear(DRAFT);
    this.setData({ done: { ...out.registration, when: time(out.registration.event_start) }, event: null, values: {} });
    await this.load();
    return out.registration;
  },
  confirm(text) {
    return new Promise((resolve) => {
      wx.showModal({ title: '请确认', content: text, confirmText: '确定', cancelText: '再想想', success: (r) => resolve(!!r.confirm), fail: () => resolve(false) });
    });
  },
  async cancel(e) {
    if (!(await this.confirm('确定不去了，取消这个报名吗？'))) return undefined;
    const out = await this.guard(() => api.post(`/event-registrations/${e.currentTarget.dataset.id}/cancel`, {},
      { auth: true, idempotencyKey: drafts.newKey() }));
    if (!out) return undefined;
    this.setData({ notice: '报名已取消，名额留给别人', done: null });
    await this.load();
    return out.registration;
  },
  copy(e) {
    wx.setClipboardData({ data: e.currentTarget.dataset.url });
  },
}));
