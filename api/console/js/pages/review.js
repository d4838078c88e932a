// 审核: review queues for loan and training pre-applications and applications to settle in, detail, decision with a note.
import { get, post, query } from "../api.js";
import { clearFieldErrors, fill, fmtDateTime, fmtNumber, h, label, messageSlot, showFieldErrors, statusBadge, table } from "../dom.js";

// Status names, open statuses and decisions per kind come from GET /staff/meta (ctx.meta).
function kinds(meta) {
  const kind = (key, title, path, columns) => {
    const open = meta.open_statuses[key];
    const names = meta.statuses[key];
    return {
      title, path, columns, open, names,
      decisions: Object.entries(meta.decisions[key]).map(([value, text]) => ({ value, label: text })),
      statuses: Object.keys(names).filter((s) => !open.includes(s)),
    };
  };
  return {
    loan: kind("loan", "贷款预申请", "/loan-applications", [
      { label: "产品", value: (r) => r.product },
      { label: "金额（元）", value: (r) => fmtNumber(r.amount) },
      { label: "预审结果", value: (r) => label(meta.eligibility, r.eligibility) },
    ]),
    training: kind("training", "培训报名", "/training-applications", [
      { label: "课程", value: (r) => r.course },
      { label: "开班时间", value: (r) => fmtDateTime(r.session_start) },
    ]),
    carrier: kind("carrier", "入驻申请", "/carrier-applications", [
      { label: "创业载体", value: (r) => r.carrier },
      { label: "团队人数", value: (r) => String(r.team_size) },
    ]),
  };
}
const PENDING = "pending";
let KINDS = {};
let ELIGIBILITY = {};

export async function render(main, ctx) {
  KINDS = kinds(ctx.meta);
  ELIGIBILITY = ctx.meta.eligibility;
  const state = { kind: "loan", status: PENDING, selected: null };
  const msg = messageSlot();
  const listBox = h("div", { "data-testid": "review-list" });
  const detailBox = h("div", { class: "card", "data-testid": "review-detail" }, h("p", { class: "muted" }, "点击左侧一条申请查看详情并审核。"));
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const statusSelect = h("select", { name: "status", "aria-label": "状态" });

  const reload = async () => {
    statusSelect.replaceChildren(...filters(KINDS[state.kind]).map((f) => h("option", { value: f.value, selected: f.value === state.status }, f.label)));
    tabs.replaceChildren(...Object.entries(KINDS).map(([key, k]) =>
      h("button", { type: "button", role: "tab", class: key === state.kind ? "active" : null, onclick: () => { state.kind = key; state.status = PENDING; state.selected = null; msg.clear(); reload(); } }, k.title)));
    await loadList(state, listBox, detailBox, msg, reload);
  };
  statusSelect.addEventListener("change", () => { state.status = statusSelect.value; reload(); });
  main.append(tabs, h("div", { class: "toolbar" }, h("label", {}, "状态 ", statusSelect)), msg.el, h("div", { class: "split" }, listBox, detailBox));
  await reload();
}

function filters(kind) {
  return [
    { value: PENDING, label: "待审核" },
    { value: "", label: "全部" },
    ...kind.statuses.map((s) => ({ value: s, label: kind.names[s] })),
  ];
}

// "Pending" is every open status of the kind, oldest first, so nothing waits unseen.
async function fetchRows(kind, status) {
  const statuses = status === PENDING ? kind.open : [status];
  const rows = [];
  for (const s of statuses) {
    const data = await get(`${kind.path}${query({ status: s })}`);
    rows.push(...(data.applications || []));
  }
  return rows;
}

async function loadList(state, listBox, detailBox, msg, reload) {
  const kind = KINDS[state.kind];
  let rows;
  try {
    rows = await fetchRows(kind, state.status);
  } catch (err) {
    listBox.replaceChildren();
    return msg.error(err);
  }
  const columns = [
    { label: "提交时间", value: (r) => fmtDateTime(r.created_at) },
    { label: "姓名", value: (r) => r.name },
    { label: "县市", value: (r) => r.county },
    ...kind.columns,
    { label: "状态", value: statusOf },
  ];
  const open = (row, ev) => {
    state.selected = row.id;
    listBox.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
    ev.currentTarget.classList.add("selected");
    showDetail(state, row.id, detailBox, msg, reload, listBox);
  };
  listBox.replaceChildren(table(columns, rows, {
    empty: "没有符合条件的申请。",
    onRowClick: open,
    rowClass: (r) => (r.id === state.selected ? "selected" : ""),
  }));
  if (state.selected != null) showDetail(state, state.selected, detailBox, msg, reload, listBox);
  else detailBox.replaceChildren(h("p", { class: "muted" }, "点击左侧一条申请查看详情并审核。"));
}

const statusOf = (r) => statusBadge(r.status, { [r.status]: r.status_label });

async function showDetail(state, id, box, msg, reload, listBox) {
  const kind = KINDS[state.kind];
  let app;
  try {
    app = (await get(`${kind.path}/${id}`)).application;
  } catch (err) {
    return msg.error(err);
  }
  fill(
    box,
    h("h3", {}, `${kind.title} #${app.id}`),
    detailList(app),
    app.pii_masked === false ? h("p", { class: "muted" }, app.id_number === undefined ? "完整姓名和手机号仅供审核使用，本次查看已记入审计日志。" : "完整身份证号和手机号仅供审核使用，本次查看已记入审计日志。") : null,
    eligibilityBlock(app),
    history(kind, app),
  );
  if (kind.open.includes(app.status)) box.append(decisionForm(kind, app, msg, reload));
  // Opening a submitted loan moves it to 审核中: show that in the list too.
  const badge = listBox.querySelector(`tr[data-id="${app.id}"] .status`);
  if (badge) badge.replaceWith(statusOf(app));
}

const FIELDS = [
  ["status", "状态", (_, app) => statusOf(app)],
  ["name", "姓名"], ["id_number", "身份证号"], ["phone", "手机"], ["county", "县市"], ["category", "人员类别"],
  ["product", "贷款产品"], ["business_type", "经营项目"], ["amount", "申请金额（元）", fmtNumber], ["purpose", "资金用途"],
  ["carrier", "创业载体"], ["project", "创业项目"], ["team_size", "团队人数"], ["needs", "入驻需求"],
  ["course", "课程"], ["session_start", "开班时间", fmtDateTime], ["session_county", "开班县市"], ["location", "上课地点"],
  ["created_at", "提交时间", fmtDateTime], ["decided_at", "审核时间", fmtDateTime], ["decision_note", "审核意见"],
];

function detailList(app) {
  const items = [];
  for (const [key, title, fmt] of FIELDS) {
    if (app[key] == null || app[key] === "") continue;
    items.push(h("dt", {}, title), h("dd", {}, fmt ? fmt(app[key], app) : String(app[key])));
  }
  return h("dl", { class: "detail" }, items);
}

function eligibilityBlock(app) {
  if (!app.eligibility) return null;
  const reasons = (app.eligibility_reasons || []).map((r) => h("li", {}, typeof r === "string" ? r : r.text || r.message || ""));
  return h("details", { class: "card eligibility" },
    h("summary", {}, h("strong", {}, "预审结果："), label(ELIGIBILITY, app.eligibility),
      h("span", { class: "muted" }, `（仅供参考，不是审批结果${reasons.length ? `；${reasons.length} 条依据，点击展开` : ""}）`)),
    reasons.length ? h("ul", {}, reasons) : null);
}

function history(kind, app) {
  const events = app.decisions || [];
  if (!events.length) return null;
  return h("div", {}, h("h3", {}, "审核记录"), h("ul", {}, events.map((e) =>
    h("li", {}, [fmtDateTime(e.at), label(kind.names, e.decision), e.jobs_created != null ? `带动就业 ${e.jobs_created} 人` : "", e.note].filter(Boolean).join("　")))));
}

function decisionForm(kind, app, msg, reload) {
  const isLoan = kind.path === "/loan-applications";
  const jobs = isLoan
    ? h("label", { class: "jobs" }, "带动就业人数（通过时填写，计入进度看板）", h("input", { name: "jobs_created", type: "number", min: "0", max: "10000", step: "1" }))
    : null;
  const form = h(
    "form",
    { class: "decision-form", novalidate: true },
    h("h3", {}, "审核决定"),
    h("div", { class: "toolbar" }, kind.decisions.map((d, i) =>
      h("label", {}, h("input", { type: "radio", name: "decision", value: d.value, checked: i === 0 }), ` ${d.label}`))),
    jobs,
    h("label", {}, "审核意见（将告知申请人；不通过时必填）", h("textarea", { name: "note", maxlength: "500", placeholder: "例如：材料齐全，请于工作日携带身份证原件到窗口办理" })),
    h("p", {}, h("button", { type: "submit", class: "primary" }, "提交审核决定")),
  );
  const syncJobs = () => { if (jobs) jobs.hidden = form.elements.decision.value !== "approved"; };
  form.addEventListener("change", syncJobs);
  form.addEventListener("input", () => { clearFieldErrors(form); msg.clear(); });
  syncJobs();
  form.addEventListener("submit", (ev) => { ev.preventDefault(); submitDecision(form, kind, app, msg, reload); });
  return form;
}

async function submitDecision(form, kind, app, msg, reload) {
  const decision = form.elements.decision.value;
  const body = { decision, note: form.elements.note.value.trim() };
  const jobs = form.elements.jobs_created;
  if (jobs && decision === "approved" && jobs.value.trim() !== "") body.jobs_created = Number(jobs.value);
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await post(`${kind.path}/${app.id}/decision`, body);
    const chosen = kind.decisions.find((d) => d.value === decision);
    msg.ok(`已提交：${app.name} 的${kind.title}「${chosen ? chosen.label : decision}」，系统将通知申请人。`);
    await reload();
  } catch (err) {
    button.disabled = false;
    showFieldErrors(form, err.fields);
    msg.error(err);
  }
}
