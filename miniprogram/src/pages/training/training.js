// 培训: courses with their sessions, and the sign-up form (draft + Idempotency-Key).
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const forms = require('../../lib/forms');
const { definePage, time } = require('../../lib/page');

const DRAFT = 'training';

Page(definePage({
  data: {
    courses: [], sessionId: 0, session: null, values: {}, errors: {}, done: null,
    meta: forms.form('TrainingForm').fields,
    options: { county: forms.options('TrainingForm', 'county'), category: forms.options('TrainingForm', 'category') },
  },
  onLoad() {
    const d = drafts.load(DRAFT);
    this.setData({ values: d.values, sessionId: d.values.session_id || 0 });
    return this.load();
  },
  async load() {
    const out = await this.guard(() => api.get('/training/courses'), 'load');
    if (!out) return;
    const courses = out.courses.map((c) => ({
      ...c, sessions: c.sessions.map((s) => ({ ...s, when: time(s.start), full: s.remaining <= 0 })),
    }));
    this.setData({ courses });
    if (this.data.sessionId) this.choose(this.data.sessionId);
  },
  choose(id) {
    for (const c of this.data.courses) {
      const s = c.sessions.find((x) => x.id === id);
      if (s) { this.setData({ sessionId: id, session: { ...s, course: c.title } }); return; }
    }
  },
  pick(e) {
    const { id, full } = e.currentTarget.dataset;
    if (full) return;
    this.choose(id);
    const values = { ...this.data.values, session_id: id, county: this.data.values.county || this.data.session.county };
    this.setData({ values });
    drafts.update(DRAFT, { values: { session_id: id, county: values.county } });
  },
  onField(e) {
    const field = e.currentTarget.dataset.field;
    const errors = { ...this.data.errors };
    delete errors[field];
    this.setData({ values: { ...this.data.values, [field]: e.detail.value }, errors });
    drafts.update(DRAFT, { values: { [field]: e.detail.value } });
  },
  async submit() {
    const v = { ...this.data.values, session_id: this.data.sessionId };
    const errors = forms.check('TrainingForm', v);
    if (Object.keys(errors).length) { this.setData({ errors, message: '还有几项没填好，请看红字提示' }); return undefined; }
    const body = {
      session_id: v.session_id, county: v.county, category: v.category,
      name: String(v.name).trim(), id_number: String(v.id_number).trim().toUpperCase(), phone: String(v.phone).trim(),
    };
    const { key } = drafts.load(DRAFT);
    const out = await this.guard(() => api.post('/training-applications', body, { auth: true, idempotencyKey: key }), 'submit');
    if (!out) {
      const fields = (this.lastError && this.lastError.fields) || {};
      if (Object.keys(fields).length) this.setData({ errors: fields });
      return undefined;
    }
    drafts.clear(DRAFT);
    this.setData({ done: out.application || out });
    return this.data.done;
  },
}));
