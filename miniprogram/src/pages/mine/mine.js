// 我的: appointments and applications with their status words from the API; cancel and withdraw;
// the phone number bound through WeChat's getPhoneNumber button; large text.
const api = require('../../lib/api');
const drafts = require('../../lib/drafts');
const prefs = require('../../lib/prefs');
const subscribe = require('../../lib/subscribe');
const { definePage, time } = require('../../lib/page');

const OPEN_LOAN = ['submitted', 'reviewing'];

Page(definePage({
  data: { user: null, appointments: [], loans: [], trainings: [], notice: '' },
  onShow() {
    return this.load();
  },
  async load() {
    const out = await this.guard(async () => {
      const s = await api.ensureLogin();
      const [a, l, t] = await Promise.all([
        api.get('/appointments/mine', { auth: true }),
        api.get('/loan-applications/mine', { auth: true }),
        api.get('/training-applications/mine', { auth: true }),
      ]);
      return { user: (api.session() || s).user, a, l, t };
    }, 'load');
    if (!out) return;
    this.setData({
      user: out.user,
      appointments: out.a.appointments.map((x) => ({ ...x, when: time(x.start), canCancel: x.status === 'booked' })),
      loans: (out.l.applications || []).map((x) => ({ ...x, when: time(x.created_at), canWithdraw: OPEN_LOAN.includes(x.status) })),
      trainings: (out.t.applications || []).map((x) => ({ ...x, when: time(x.session_start), canWithdraw: x.status === 'submitted' })),
    });
  },
  async act(path, done) {
    const ok = await this.guard(() => api.post(path, {}, { auth: true, idempotencyKey: drafts.newKey() }));
    if (ok) { this.setData({ notice: done }); await this.load(); }
    return ok;
  },
  confirm(text) {
    return new Promise((resolve) => {
      wx.showModal({ title: '请确认', content: text, confirmText: '确定', cancelText: '再想想', success: (r) => resolve(!!r.confirm), fail: () => resolve(false) });
    });
  },
  async cancel(e) {
    if (!(await this.confirm('确定要取消这个预约吗？'))) return undefined;
    return this.act(`/appointments/${e.currentTarget.dataset.id}/cancel`, '预约已取消');
  },
  async withdrawLoan(e) {
    if (!(await this.confirm('确定要撤回这份贷款预申请吗？'))) return undefined;
    return this.act(`/loan-applications/${e.currentTarget.dataset.id}/withdraw`, '申请已撤回');
  },
  async withdrawTraining(e) {
    if (!(await this.confirm('确定要撤回这个培训报名吗？'))) return undefined;
    return this.act(`/training-applications/${e.currentTarget.dataset.id}/withdraw`, '报名已撤回');
  },
  async onPhone(e) {
    if (!e.detail || !e.detail.code) { this.setData({ notice: '没有授权手机号也可以办事，填表时手动填写即可' }); return; }
    const user = await this.guard(() => api.bindPhone(e.detail.code));
    if (user) this.setData({ user, notice: '手机号已绑定' });
  },
  async remind() {
    this.setData({ notice: subscribe.words(await subscribe.askForUpdates()) });
  },
  go(e) {
    wx.navigateTo({ url: e.currentTarget.dataset.url });
  },
  toggleLarge() {
    const on = !this.data.large;
    prefs.setLargeText(on);
    this.setData({ large: on });
  },
}));
