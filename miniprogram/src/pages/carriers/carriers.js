// 创业载体: the carriers by kind (孵化基地、创业小镇…, the words from the API's document), nearest first when
// the location is allowed; applying to settle in (draft + Idempotency-Key, 422 fields under the inputs);
// my applications, withdrawn while they are still open.
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const forms = require('../../lib/forms');
const { definePage, time } = require('../../lib/page');
const { locate, query: near, distance } = require('../../lib/location');

const DRAFT = 'carrier';
const OPEN = ['submitted', 'reviewing'];

Page(definePage({
  data: {
    kinds: [{ value: '', label: '全部' }, ...forms.labels.carrierKind], kind: '',
    carriers: [], located: false, locationNote: '', carrier: null, values: {}, errors: {}, done: null, applications: [], notice: '',
    meta: forms.form('CarrierForm').fields, offers: forms.form('Offers').fields,
  },
  onLoad() {
    const d = drafts.load(DRAFT);
    this.setData({ values: d.values });
    return this.load();
  },
  async load() {
    const where = this.where !== undefined ? this.where : await locate();
    this.where = where;
    const out = await this.guard(() => api.get('/carriers', { query: { kind: this.data.kind, ...near(where) } }), 'load');
    if (!out) return;
    const carriers = out.carriers.map((c) => ({ ...c, distance: distance(c.distance_km) }));
    this.setData({
      carriers,
      located: !!where,
      locationNote: where ? '离您最近的排在最前面' : '没有拿到您的位置，下面按县市列出。想看最近的，可以在右上角“…”→“设置”里允许使用位置。',
    });
    if (this.data.values.carrier_id) this.choose(this.data.values.carrier_id);
    await this.loadMine();
  },
  async loadMine() {
    const out = await this.guard(() => api.get('/carrier-applications/mine', { auth: true }), 'loadMine');
    if (!out) return;
    this.setData({
      applications: out.applications.map((a) => ({ ...a, when: time(a.created_at), canWithdraw: OPEN.includes(a.status) })),
    });
  },
  pickKind(e) {
    this.setData({ kind: e.currentTarget.dataset.kind });
    return this.load();
  },
  choose(id) {
    const c = this.data.carriers.find((x) => x.id === id);
    if (c) this.setData({ carrier: c });
  },
  pick(e) {
    const id = Number(e.currentTarget.dataset.id);
    this.choose(id);
    this.setData({ values: { ...this.data.values, carrier_id: id }, done: null });
    drafts.update(DRAFT, { values: { carrier_id: id } });
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
    const errors = forms.check('CarrierForm', v);
    if (Object.keys(errors).length) { this.setData({ errors, message: '还有几项没填好，请看红字提示' }); return undefined; }
    const body = {
      carrier_id: Number(v.carrier_id), project: String(v.project).trim(), team_size: Number(v.team_size),
      needs: String(v.needs).trim(), name: String(v.name).trim(), phone: String(v.phone).trim(),
    };
    const { key } = drafts.load(DRAFT);
    const out = await this.guard(() => api.post('/carrier-applications', body, { auth: true, idempotencyKey: key }), 'submit');
    if (!out) {
      const fields = (this.lastError && this.lastError.fields) || {};
      if (Object.keys(fields).length) this.setData({ errors: fields, message: '有一项需要改一下，请看红字提示' });
      return undefined;
    }
    drafts.clear(DRAFT);
    this.setData({ done: out.application, carrier: null, values: {} });
    await this.loadMine();
    return out.application;
  },
  confirm(text) {
    return new Promise((resolve) => {
      wx.showModal({ title: '请确认', content: text, confirmText: '确定', cancelText: '再想想', success: (r) => resolve(!!r.confirm), fail: () => resolve(false) });
    });
  },
  async withdraw(e) {
    if (!(await this.confirm('确定要撤回这份入驻申请吗？'))) return undefined;
    const out = await this.guard(() => api.post(`/carrier-applications/${e.currentTarget.dataset.id}/withdraw`, {},
      { auth: true, idempotencyKey: drafts.newKey() }));
    if (!out) return undefined;
    this.setData({ notice: '入驻申请已撤回' });
    await this.loadMine();
    return out.application;
  },
}));
