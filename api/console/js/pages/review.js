// 审核: review queues for loan and training pre-applications, detail, decision with a note.
import { get, post, query } from "../api.js";
import { fmtDateTime, fmtNumber, h, messageSlot, statusBadge, table } from "../dom.js";
import { APPLICATION_STATUS, ELIGIBILITY, LOAN_DECISIONS, TRAINING_DECISIONS, label } from "../labels.js";

const KINDS = {
  loan: {
    title: "贷款预申请",
    path: "/loan-applications",
    decisions: LOAN_DECISIONS,
    columns: [
      { label: "产品", value: (r) => r.product_label || r.product },
      { label: "金额（元）", value: (r) => fmtNumber(r.amount) },
    ],
  },
  training: {
    title: "培训报名",
    path: "/training-applications",
    decisions: TRAINING_DECISIONS,
    columns: [{ label: "课程", value: (r) => r.course_title || (r.course && r.course.title) || r.session_id }],
  },
};
const FILTERS = [
  { value: "pending", label: "待审核" },
  { value: "", label: "全部" },
  ...["approved", "rejected", "referred", "withdrawn"].map((s) => ({ value: s, label: APPLICATION_STATUS[s] })),
];
const OPEN = new Set(["submitted", "reviewing"]);

export async function render(main) {
  const state = { kind: "loan", status: "pending", selected: null };
  const msg = messageSlot();
  const listBox = h("div", { "data-testid": "review-list" });
  const detailBox = h("div", { class: "card", "data-testid": "review-detail" }, h("p", { class: "muted" }, "点击左侧一条申请查看详情并审核。"));
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const statusSelect = h("select", { name: "status", "aria-label": "状态" }, FILTERS.map((f) => h("option", { value: f.value }, f.label)));

  const reload = async () => {
    tabs.replaceChildren(...Object.entries(KINDS).map(([key, k]) =>
      h("button", { type: "button", role: "tab", class: key === state.kind ? "active" : null, onclick: () => { state.kind = key; state.selected = null; reload(); } }, k.title)));
    await loadList(state, listBox, detailBox, msg, reload);
  };
  statusSelect.addEventListener("change", () => { state.status = statusSelect.value; reload(); });
  main.append(tabs, h("div", { class: "toolbar" }, h("label", {}, "状态 ", statusSelect)), msg.el, h("div", { class: "split" }, listBox, detailBox));
  await reload();
}

async function loadList(state, listBox, detailBox, msg, reload) {
  const kind = KINDS[state.kind];
  let rows;
  try {
    const data = await get(`${kind.path}${query({ status: state.status === "pending" ? "" : state.status })}`);
    rows = data.applications || data.items || [];
  } catch (err) {
    listBox.replaceChildren();
    return msg.error(err);
  }
  if (state.status === "pending") rows = rows.filter((r) => OPEN.has(r.status));
  const columns = [
    { label: "提交时间", value: (r) => fmtDateTime(r.created_at || r.submitted_at) },
    { label: "姓名", value: (r) => r.name },
    { label: "县市", value: (r) => r.county },
    ...kind.columns,
    { label: "状态", value: (r) => statusBadge(r.status, APPLICATION_STATUS) },
  ];
  const open = (row) => { state.selected = row.id; showDetail(state, row.id, detailBox, msg, reload); };
  listBox.replaceChildren(table(columns, rows, {
    empty: "没有符合条件的申请。",
    onRowClick: open,
    rowClass: (r) => (r.id === state.selected ? "selected" : ""),
  }));
  if (state.selected != null) showDetail(state, state.selected, detailBox, msg, reload);
  else detailBox.replaceChildren(h("p", { class: "muted" }, "点击左侧一条申请查看详情并审核。"));
}

async function showDetail(state, id, box, msg, reload) {
  const kind = KINDS[state.kind];
  let app;
  try {
    const data = await get(`${kind.path}/${id}`);
    app = data.application || data;
  } catch (err) {
    return msg.error(err);
  }
  box.replaceChildren(h("h3", {}, `${kind.title} #${app.id}`), detailList(app), eligibilityBlock(app.eligibility), history(app));
  if (OPEN.has(app.status)) box.append(decisionForm(kind, app, msg, reload));
}

const FIELDS = [
  ["status", "状态", (v) => statusBadge(v, APPLICATION_STATUS)],
  ["name", "姓名"], ["id_number", "身份证号"], ["phone", "手机"], ["county", "县市"],
  ["category_label", "人员类别"], ["category", "人员类别"], ["product_label", "产品"], ["product", "产品"],
  ["business_type", "经营项目"], ["amount", "申请金额（元）", fmtNumber], ["purpose", "用途"],
  ["course_title", "课程"], ["session_start", "开班时间", fmtDateTime],
  ["created_at", "提交时间", fmtDateTime], ["decided_at", "审核时间", fmtDateTime], ["decision_note", "审核意见"],
];

function detailList(app) {
  const seen = new Set();
  const items = [];
  for (const [key, title, fmt] of FIELDS) {
    if (app[key] == null || app[key] === "" || seen.has(title)) continue;
    seen.add(title);
    items.push(h("dt", {}, title), h("dd", {}, fmt ? fmt(app[key]) : String(app[key])));
  }
  return h("dl", { class: "detail" }, items);
}

function eligibilityBlock(elig) {
  if (!elig) return null;
  const verdict = elig.result || elig.level || (elig.eligible === true ? "eligible" : elig.eligible === false ? "not_eligible" : "");
  const reasons = (elig.reasons || []).map((r) => h("li", {}, typeof r === "string" ? r : r.text || r.message || JSON.stringify(r)));
  return h("div", { class: "card" }, h("strong", {}, "资格预检（仅供参考，不是审批结果）："), label(ELIGIBILITY, verdict), reasons.length ? h("ul", {}, reasons) : null);
}

function history(app) {
  const events = app.history || app.decisions || [];
  if (!events.length) return null;
  return h("div", {}, h("h3", {}, "审核记录"), h("ul", {}, events.map((e) =>
    h("li", {}, `${fmtDateTime(e.at || e.created_at)} ${e.staff || e.username || ""} ${label(APPLICATION_STATUS, e.decision || e.status)} ${e.note || ""}`))));
}

function decisionForm(kind, app, msg, reload) {
  const form = h(
    "form",
    { class: "decision-form" },
    h("h3", {}, "审核决定"),
    h("div", { class: "toolbar" }, kind.decisions.map((d, i) =>
      h("label", {}, h("input", { type: "radio", name: "decision", value: d.value, checked: i === 0 }), ` ${d.label}`))),
    h("label", {}, "审核意见（将告知申请人）", h("textarea", { name: "note", maxlength: "500", placeholder: "例如：材料齐全，请于工作日携带身份证原件到窗口办理" })),
    h("p", {}, h("button", { type: "submit", class: "primary" }, "提交审核决定")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const decision = form.elements.decision.value;
    const note = form.elements.note.value.trim();
    form.querySelector("button").disabled = true;
    try {
      await post(`${kind.path}/${app.id}/decision`, { decision, note });
      const chosen = kind.decisions.find((d) => d.value === decision);
      msg.ok(`已提交：${app.name} 的申请「${chosen ? chosen.label : decision}」，系统将通知申请人。`);
      await reload();
    } catch (err) {
      form.querySelector("button").disabled = false;
      msg.error(err);
    }
  });
  return form;
}
