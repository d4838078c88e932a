// Pages rendered with miniprogram-simulate (WXML + TDesign), loaded as components via the Page shim.
const fs = require('fs');
const path = require('path');
const { renderPage, texts } = require('../helpers/render');

const SRC = path.resolve(__dirname, '../../src');

jest.setTimeout(30000);

const flush = () => new Promise((r) => setTimeout(r, 0));

test('loan: the API\'s 422 field error appears right under the ID number input', async () => {
  const { root, comp } = renderPage('loan', {
    step: 2,
    values: { name: '李四', id_number: '532328199001011231', phone: '13912345678' },
    errors: { id_number: '身份证号：校验位不正确，请逐位核对后重新填写' },
  });
  await flush();
  const err = root.querySelector('.main--field-error');
  expect(err.textContent).toContain('校验位不正确');
  // the element just before the error is the ID number input, labelled from the OpenAPI title
  const input = err.previousElementSibling;
  expect(input.textContent).toContain('身份证号');
  expect(texts(root, 'field-error')).toHaveLength(1);
  comp.detach();
});

test('loan: step titles and the options come from the generated OpenAPI extract', async () => {
  const { root } = renderPage('loan', { step: 0 });
  await flush();
  const html = root.innerHTML;
  expect(html).toContain('创业担保贷款');
  expect(html).toContain('云岭创业贷');
  expect(html).toContain('返乡创业农民工');
  expect(html).toContain('元谋县');
  expect(html).toContain('请选择要预申请的贷款产品');
});

test('loan: the pre-check is worded as 预审 with its reasons', async () => {
  const { root } = renderPage('loan', {
    step: 3,
    result: { id: 1, status_text: '已提交', eligibility: { label: '初步符合', reasons: ['返乡创业农民工属于扶持对象'], notice: '预审结果不是审批结论' } },
  });
  await flush();
  expect(root.textContent).toContain('预审结果：初步符合');
  expect(texts(root, 'reason')[0]).toContain('返乡创业农民工');
  expect(root.textContent).toContain('不是审批结论');
});

test('a network failure shows plain Chinese and a 重试 button', async () => {
  const { root } = renderPage('mine', { netError: '网络有点慢，没有等到回复。您填的内容都还在，请点“重试”。', retryName: '' });
  await flush();
  const box = root.querySelector('.main--net-error');
  expect(box.textContent).toContain('网络有点慢');
  expect(box.querySelector('wx-button').textContent.trim()).toBe('重试');
});

test('large-text mode puts the large class on the page', async () => {
  const { root, comp } = renderPage('home', {});
  await flush();
  expect(root.querySelector('.main--page--large')).toBeNull();
  comp.setData({ large: true });
  await flush();
  expect(root.querySelector('.main--page--large')).not.toBeNull();
});

test('booked: the check-in code is shown large', async () => {
  const { root } = renderPage('booked', {
    appointment: { id: 3, code: 'K7Q2', window_name: '元谋县创业服务窗口', address: '元马镇' }, when: '12月3日 09:30',
  });
  await flush();
  expect(texts(root, 'code')).toEqual(['K7Q2']);
});

test('window: slots by day, the full ones marked', async () => {
  const { root } = renderPage('window', {
    window: { id: 9, name: '元谋县创业服务窗口', address: '元马镇', phone: '0878-1', hours_text: '周一至周五' },
    days: [{ date: '2026-12-03', label: '12月3日 周四' }, { date: '2026-12-04', label: '12月4日 周五' }],
    date: '2026-12-03',
    slots: [{ start: 'a', time: '09:00', remaining: 2, full: false }, { start: 'b', time: '09:30', remaining: 0, full: true }],
    start: 'a',
  });
  await flush();
  const chips = texts(root, 'chip');
  expect(chips).toEqual(['12月3日 周四', '12月4日 周五', '09:00 余2', '09:30 约满']);
  expect(root.querySelectorAll('.main--chip--on')).toHaveLength(2);
  expect(root.querySelectorAll('.main--chip--off')).toHaveLength(1);
});

test('events: my sign-up shows the check-in code large; full events say so', async () => {
  const { root } = renderPage('events', {
    events: [
      { id: 1, title: '创业沙龙', kind: '沙龙·经验交流', county: '元谋县', when: '12月20日 14:00–17:00', place: '县人社局', remaining: 3, full: false },
      { id: 2, title: '路演', kind: '项目路演·成果展示', county: '楚雄市', when: '12月21日 09:00–12:00', place: '州会展中心', remaining: 0, full: true },
    ],
    registrations: [{ id: 9, event_title: '创业沙龙', when: '12月20日 14:00', place: '县人社局', status_text: '已报名', code: 'H4K9P2', active: true, canCancel: true }],
  });
  await flush();
  expect(texts(root, 'code')).toEqual(['H4K9P2']);
  expect(texts(root, 'chip')).toEqual(['我要报名（还剩 3 个名额）', '名额已满']);
  expect(root.querySelectorAll('.main--chip--off')).toHaveLength(1);
  expect(root.textContent).toContain('不去了，取消报名');
});

test('carriers: kinds from the document, the offers labelled from it, a 422 under the team size input', async () => {
  const c = { id: 4, kind: 'base', kind_label: '孵化基地', name: '元谋县创业孵化基地', county: '元谋县', address: '元马镇', distance: '约 0.4 公里', offers: { space: '200 平方米', desks: '20 个', free_period: '一年', services: '工商代办' }, contact: '0878-1', demo: true };
  const { root } = renderPage('carriers', { carriers: [c], carrier: c, kind: '', errors: { team_size: '团队人数：最多 500 人' } });
  await flush();
  expect(texts(root, 'chip')).toEqual(['全部', '孵化基地', '创业小镇', '创业社区', '创业村落']);
  expect(root.textContent).toContain('场地：200 平方米');
  expect(root.textContent).toContain('演示数据');
  const err = root.querySelector('.main--field-error');
  expect(err.textContent).toBe('团队人数：最多 500 人');
  expect(err.previousElementSibling.textContent).toContain('团队人数');
});

test('mentor: my mentor, the follow-ups and the 1–5 rating', async () => {
  const { root } = renderPage('mentor', {
    showForm: false,
    requests: [{ id: 7, industry: '电商', county: '元谋县', status_text: '导师帮扶中', open: true, need: '想学推广', phone: '139****5678', canRate: true, rating: null,
      mentor: { name: '张老师', title: '高级经济师', organisation: '州人社局' }, followUps: [{ id: 1, date: '2026-12-02', kind: '现场指导', note: '看了店铺' }] }],
    ratings: { 7: { rating: 4, comment: '' } },
  });
  await flush();
  expect(root.textContent).toContain('导师：张老师（高级经济师，州人社局）');
  expect(root.textContent).toContain('2026-12-02 现场指导：看了店铺');
  expect(texts(root, 'chip')).toEqual(['1 分', '2 分', '3 分', '4 分', '5 分']);
  expect(root.querySelectorAll('.main--chip--on')).toHaveLength(4);
});

test('home and 我的 lead to 找导师, 创业载体 and 创业活动', async () => {
  for (const name of ['home', 'mine']) {
    const { root, comp } = renderPage(name, {});
    await flush();
    for (const words of ['找导师', '创业载体', '创业活动']) expect(root.textContent).toContain(words);
    comp.detach();
    // the simulator does not render data-* attributes: the targets are read from the WXML, and must be pages
    const wxml = fs.readFileSync(path.join(SRC, `pages/${name}/${name}.wxml`), 'utf8');
    const pages = JSON.parse(fs.readFileSync(path.join(SRC, 'app.json'), 'utf8')).pages.map((x) => `/${x}`);
    for (const url of ['/pages/mentor/mentor', '/pages/carriers/carriers', '/pages/events/events']) {
      expect(wxml).toContain(`data-url="${url}"`);
      expect(pages).toContain(url);
    }
  }
});
