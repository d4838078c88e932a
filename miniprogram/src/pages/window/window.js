// One window: its details, the free slots of the next days, and the booking form (draft + Idempotency-Key).
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const forms = require('../../lib/forms');
const storage = require('../../lib/storage');
const { definePage } = require('../../lib/page');

const WEEK = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEK_CN = ['日', '一', '二', '三', '四', '五', '六'];
const DAYS_AHEAD = 14;

// The next days the window is open, in Beijing time, whatever the phone's time zone.
function openDays(hours, now) {
  const out = [];
  const bj = new Date((now || Date.now()) + 8 * 3600 * 1000);
  for (let i = 0; i < DAYS_AHEAD && out.length < 7; i += 1) {
    const d = new Date(bj.getTime() + i * 86400000);
    const wd = d.getUTCDay();
    if (!hours || !hours[WEEK[wd]]) continue;
    const iso = d.toISOString().slice(0, 10);
    out.push({ date: iso, label: `${d.getUTCMonth() + 1}月${d.getUTCDate()}日 周${WEEK_CN[wd]}` });
  }
  return out;
}

function draftName(windowId) {
  return `booking:${windowId}`;
}

Page(definePage({
  data: {
    window: null, days: [], date: '', slots: [], start: '', values: {}, errors: {},
    purposes: forms.options('AppointmentForm', 'purpose'), meta: forms.form('AppointmentForm').fields,
  },
  async onLoad(query) {
    this.windowId = Number(query.id);
    const draft = drafts.load(draftName(this.windowId));
    this.setData({ values: draft.values, start: draft.values.start || '' });
    await this.load();
  },
  async load() {
    const out = await this.guard(() => api.get('/windows'), 'load');
    if (!out) return;
    const w = out.windows.find((x) => x.id === this.windowId);
    if (!w) { this.setData({ message: '没有找到这个窗口，请返回重新选择' }); return; }
    const days = openDays(w.hours);
    this.setData({ window: w, days });
    const wanted = this.data.start ? this.data.start.slice(0, 10) : '';
    await this.pickDay({ currentTarget: { dataset: { date: days.some((d) => d.date === wanted) ? wanted : (days[0] || {}).date } } });
  },
  async pickDay(e) {
    const date = e.currentTarget.dataset.date;
    if (!date) return;
    this.setData({ date, slots: [] });
    const out = await this.guard(() => api.get(`/windows/${this.windowId}/slots`, { query: { date } }), 'reloadDay');
    if (out) this.setData({ slots: out.slots.map((s) => ({ ...s, time: s.start.slice(11, 16), full: s.remaining <= 0 })) });
  },
  reloadDay() {
    return this.pickDay({ currentTarget: { dataset: { date: this.data.date } } });
  },
  pickSlot(e) {
    const { start, full } = e.currentTarget.dataset;
    if (full) return;
    this.setData({ start });
    this.remember({ start });
  },
  onField(e) {
    const field = e.currentTarget.dataset.field;
    const value = e.detail.value;
    this.remember({ [field]: value });
  },
  remember(patch) {
    const values = { ...this.data.values, ...patch };
    const errors = { ...this.data.errors };
    Object.keys(patch).forEach((k) => { delete errors[k]; });
    this.setData({ values, errors });
    drafts.update(draftName(this.windowId), { values: patch });
  },
  async submit() {
    const v = { ...this.data.values, start: this.data.start, window_id: this.windowId };
    const errors = forms.check('AppointmentForm', v);
    if (Object.keys(errors).length) { this.setData({ errors, message: '还有几项没填好，请看红字提示' }); return undefined; }
    const draft = drafts.load(draftName(this.windowId));
    const body = { window_id: this.windowId, start: v.start, purpose: v.purpose, name: v.name.trim(), phone: v.phone.trim() };
    const out = await this.guard(() => api.post('/appointments', body, { auth: true, idempotencyKey: draft.key }), 'submit');
    if (!out) {
      const e = this.lastError || {};
      if (e.fields && Object.keys(e.fields).length) this.setData({ errors: e.fields });
      if (e.code === 'slot_full') this.reloadDay();
      return undefined;
    }
    drafts.clear(draftName(this.windowId));
    storage.set('lastAppointment', { ...out.appointment, window_name: this.data.window.name, address: this.data.window.address });
    wx.redirectTo({ url: `/pages/booked/booked?id=${out.appointment.id}` });
    return out.appointment;
  },
}));
