// Pages rendered with miniprogram-simulate (WXML + TDesign), loaded as components via the Page shim.
const { renderPage, texts } = require('../helpers/render');

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
