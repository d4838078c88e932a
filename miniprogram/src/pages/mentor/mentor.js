// 找导师: the request form (areas and counties from the API's document), my requests with the mentor
// assigned and the follow-ups, and the rating once a mentor has helped.
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const forms = require('../../lib/forms');
const { definePage, time } = require('../../lib/page');

const DRAFT = 'mentor';
const RATING = forms.form('MentorRatingIn').fields;
const STARS = [];
for (let n = RATING.rating.minimum; n <= RATING.rating.maximum; n += 1) STARS.push(n);

Page(definePage({
  data: {
    values: {}, errors: {}, requests: [], mentors: [], notice: '', stars: STARS, ratings: {}, showForm: true,
    meta: forms.form('MentorForm').fields,
    ratingMeta: RATING,
    options: { industry: forms.options('MentorForm', 'industry'), county: forms.options('MentorForm', 'county') },
  },
  onLoad() {
    this.setData({ values: drafts.load(DRAFT).values });
    return this.load();
  },
  async load() {
    const out = await this.guard(() => api.get('/mentor-requests/mine', { auth: true }), 'load');
    if (!out) return;
    const requests = out.requests.map((r) => ({
      ...r,
      when: time(r.created_at),
      open: r.status === 'submitted' || r.status === 'assigned',
      canRate: !!r.mentor,
      followUps: r.follow_ups.map((f) => ({ ...f, who: f.author_name || f.author_role })),
    }));
    const ratings = {};
    for (const r of requests) ratings[r.id] = { rating: r.rating || 0, comment: r.rating_comment || '' };
    this.setData({ requests, ratings, showForm: !requests.some((r) => r.open) });
    await this.loadMentors();
  },
  // The mentors who serve the chosen area and county (never their phone numbers: the mentor calls you).
  async loadMentors() {
    const { county, industry } = this.data.values;
    const out = await this.guard(() => api.get('/mentors', { query: { county, industry } }));
    if (out) this.setData({ mentors: out.mentors.slice(0, 5) });
  },
  onField(e) {
    const field = e.currentTarget.dataset.field;
    const errors = { ...this.data.errors };
    delete errors[field];
    this.setData({ values: { ...this.data.values, [field]: e.detail.value }, errors });
    drafts.update(DRAFT, { values: { [field]: e.detail.value } });
    if (field === 'county' || field === 'industry') return this.loadMentors();
    return undefined;
  },
  newRequest() {
    this.setData({ showForm: true });
  },
  async submit() {
    const v = this.data.values;
    const errors = forms.check('MentorForm', v);
    if (Object.keys(errors).length) { this.setData({ errors, message: '还有几项没填好，请看红字提示' }); return undefined; }
    const body = {
      industry: v.industry, county: v.county, need: String(v.need).trim(), name: String(v.name).trim(), phone: String(v.phone).trim(),
    };
    const { key } = drafts.load(DRAFT);
    const out = await this.guard(() => api.post('/mentor-requests', body, { auth: true, idempotencyKey: key }), 'submit');
    if (!out) {
      const fields = (this.lastError && this.lastError.fields) || {};
      if (Object.keys(fields).length) this.setData({ errors: fields, message: '有一项需要改一下，请看红字提示' });
      return undefined;
    }
    drafts.clear(DRAFT);
    this.setData({ values: {}, notice: '已提交。分配导师后，导师会打电话给您（号码是您刚填的手机号）。' });
    await this.load();
    return out.request;
  },
  star(e) {
    const { id, n } = e.currentTarget.dataset;
    this.setData({ ratings: { ...this.data.ratings, [id]: { ...this.data.ratings[id], rating: Number(n) } } });
  },
  onComment(e) {
    const id = e.currentTarget.dataset.id;
    this.setData({ ratings: { ...this.data.ratings, [id]: { ...this.data.ratings[id], comment: e.detail.value } } });
  },
  async rate(e) {
    const id = e.currentTarget.dataset.id;
    const r = this.data.ratings[id] || {};
    if (!r.rating) { this.setData({ message: '请先点几分' }); return undefined; }
    const out = await this.guard(() => api.post(`/mentor-requests/${id}/rating`, { rating: r.rating, comment: String(r.comment || '').trim() },
      { auth: true, idempotencyKey: drafts.newKey() }));
    if (!out) return undefined;
    this.setData({ notice: '谢谢您的评价' });
    await this.load();
    return out.request;
  },
}));
