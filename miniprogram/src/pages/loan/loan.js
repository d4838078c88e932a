// 贷款预审: a form in steps; the server's pre-check (预审) and its reasons at the end.
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const forms = require('../../lib/forms');
const subscribe = require('../../lib/subscribe');
const { definePage } = require('../../lib/page');

const DRAFT = 'loan';
const STEPS = [
  { title: '选产品', fields: ['product', 'category', 'county'] },
  { title: '说项目', fields: ['business_type', 'amount', 'purpose'] },
  { title: '填本人信息', fields: ['name', 'id_number', 'phone'] },
];

function stepOf(field) {
  const i = STEPS.findIndex((s) => s.fields.includes(field));
  return i < 0 ? 0 : i;
}

Page(definePage({
  data: {
    steps: STEPS, step: 0, values: {}, errors: {}, result: null, notice: '',
    meta: forms.form('LoanForm').fields,
    options: {
      product: forms.options('LoanForm', 'product'),
      category: forms.options('LoanForm', 'category'),
      county: forms.options('LoanForm', 'county'),
    },
  },
  onLoad() {
    const d = drafts.load(DRAFT);
    this.setData({ values: d.values, step: Math.min(d.step || 0, STEPS.length - 1) });
  },
  onField(e) {
    const field = e.currentTarget.dataset.field;
    const values = { ...this.data.values, [field]: e.detail.value };
    const errors = { ...this.data.errors };
    delete errors[field];
    this.setData({ values, errors });
    drafts.update(DRAFT, { values: { [field]: e.detail.value } });
  },
  go(step) {
    this.setData({ step, message: '' });
    drafts.update(DRAFT, { step });
  },
  next() {
    const errors = forms.check('LoanForm', this.data.values, STEPS[this.data.step].fields);
    if (Object.keys(errors).length) { this.setData({ errors }); return; }
    if (this.data.step < STEPS.length - 1) this.go(this.data.step + 1);
    else this.submit();
  },
  back() {
    if (this.data.step > 0) this.go(this.data.step - 1);
  },
  async submit() {
    const v = this.data.values;
    const errors = forms.check('LoanForm', v);
    if (Object.keys(errors).length) {
      this.setData({ errors });
      this.go(stepOf(Object.keys(errors)[0]));
      return undefined;
    }
    const body = {
      product: v.product, category: v.category, county: v.county,
      business_type: String(v.business_type).trim(), amount: Number(v.amount), purpose: String(v.purpose).trim(),
      name: String(v.name).trim(), id_number: String(v.id_number).trim().toUpperCase(), phone: String(v.phone).trim(),
    };
    const { key } = drafts.load(DRAFT);
    const out = await this.guard(() => api.post('/loan-applications', body, { auth: true, idempotencyKey: key }), 'submit');
    if (!out) {
      const fields = (this.lastError && this.lastError.fields) || {};
      if (Object.keys(fields).length) {
        this.setData({ errors: fields });
        this.go(stepOf(Object.keys(fields)[0]));
        this.setData({ message: '有一项需要改一下，请看红字提示' });
      }
      return undefined;
    }
    drafts.clear(DRAFT);
    this.setData({ result: out.application, step: STEPS.length });
    return out.application;
  },
  async remind() {
    this.setData({ notice: subscribe.words(await subscribe.askForUpdates()) });
  },
  mine() {
    wx.switchTab({ url: '/pages/mine/mine' });
  },
}));
