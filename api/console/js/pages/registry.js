// 登记: the registries staff maintain so the dashboard counts real carriers and teams (mentors: pages/mentors.js).
import { get, post, query } from "../api.js";
import { formData, h, messageSlot, showFieldErrors, table } from "../dom.js";

const county = { name: "county", label: "县市", type: "county" };
const carrierFields = [
  { name: "name", label: "名称", required: true },
  { ...county, required: true },
  { name: "address", label: "地址" },
  { name: "recognized_on", label: "认定日期", type: "date" },
  { name: "contact", label: "联系方式（公开）" },
  { name: "lat", label: "纬度（用于按距离排序）", type: "number", num: true },
  { name: "lng", label: "经度", type: "number", num: true },
  { name: "note", label: "备注", wide: true },
];
// What a carrier offers a settler (场地, 工位, 免费期, 服务): names from GET /staff/meta.
const offerFields = (meta) => Object.entries(meta.carrier_offers || {}).map(([key, text]) => ({ name: `offer_${key}`, label: text }));

// Carrier kinds, the prefecture's name and the plan's targets come from GET /staff/meta.
function tabsFor(meta) {
  const targets = new Map(meta.targets.map((t) => [t.key, t]));
  const short = (key) => (targets.get(key) || {}).short_label || key;
  const goal = (key) => {
    const t = targets.get(key);
    if (!t) return "";
    return `${t.label}，方案目标 ${t.target_max ? `${t.target}–${t.target_max}` : t.target} ${t.unit}。`;
  };
  const carrier = ({ kind, target }) => ({
    title: kind,
    path: "/carriers",
    listQuery: { kind },
    extra: { kind },
    hint: goal(target),
    fields: [...carrierFields, ...offerFields(meta)],
    columns: ["name", "county", "address", "contact", "demo", "note"],
  });
  return [
    ...meta.carrier_kinds.map(carrier),
    // Mentors have their own page (pages/mentors.js): areas, counties served, phone, capacity, import.
    {
      title: short("guidance_teams"),
      path: "/guidance-teams",
      hint: `${goal("guidance_teams")}县市留空表示${meta.prefecture}团队。`,
      fields: [
        { name: "name", label: "团队名称", required: true },
        { ...county, optional: meta.prefecture },
        { name: "leader", label: "负责人" },
        { name: "note", label: "备注", wide: true },
      ],
      columns: ["name", "county", "leader", "note"],
    },
  ];
}

const COLUMN_LABELS = {
  name: "名称", county: "县市", address: "地址", recognized_on: "认定日期", note: "备注", expertise: "专长",
  organization: "单位", team_id: "所属团队", leader: "负责人", contact: "联系方式", demo: "演示数据",
};

export async function render(main, ctx) {
  const TABS = tabsFor(ctx.meta);
  const state = { tab: 0 };
  const msg = messageSlot();
  const tabs = h("div", { class: "tabs", role: "tablist" });
  const body = h("div");
  const show = async () => {
    tabs.replaceChildren(...TABS.map((t, i) =>
      h("button", { type: "button", role: "tab", class: i === state.tab ? "active" : null, onclick: () => { state.tab = i; msg.clear(); show(); } }, t.title)));
    await renderTab(TABS[state.tab], body, msg, ctx);
  };
  main.append(tabs, msg.el, body);
  await show();
}

async function renderTab(tab, body, msg, ctx) {
  const { me, meta } = ctx;
  let rows = [];
  let teams = [];
  try {
    rows = itemsOf(await get(`${tab.path}${query(tab.listQuery || {})}`));
    if (tab.fields.some((f) => f.type === "team")) teams = itemsOf(await get("/guidance-teams"));
  } catch (err) {
    msg.error(err);
  }
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const show = (r, key) => (key === "team_id" ? teamName.get(r.team_id) : key === "county" ? r.county || meta.prefecture
    : key === "demo" ? (r.demo ? "是（待核实）" : "") : r[key]);
  const columns = tab.columns.map((key) => ({ label: COLUMN_LABELS[key], value: (r) => (show(r, key) == null ? "" : String(show(r, key))) }));
  const reload = () => renderTab(tab, body, msg, ctx);
  body.replaceChildren(
    h("p", { class: "muted" }, tab.hint, ` 已登记 ${rows.length} 个。`),
    table(columns, rows, { empty: `尚未登记${tab.title}。`, testid: "registry-table" }),
    me.role === "window"
      ? h("p", { class: "muted" }, "窗口工作人员只能查看登记信息，新增请联系县市管理员。")
      : addForm(tab, teams, ctx, msg, reload),
  );
}

const itemsOf = (data) => data.items || [];

// A county administrator registers for their own county only, so the choice is fixed for them.
function input(field, teams, { me, meta }) {
  if (field.type === "county") {
    if (me.role === "county") return h("select", { name: field.name }, h("option", { value: me.county }, me.county));
    const first = field.optional ? h("option", { value: "" }, field.optional) : h("option", { value: "" }, "请选择县市");
    return h("select", { name: field.name }, first, meta.counties.map((c) => h("option", { value: c }, c)));
  }
  if (field.type === "team") {
    return h("select", { name: field.name }, h("option", { value: "" }, "不属于团队"), teams.map((t) => h("option", { value: String(t.id) }, t.name)));
  }
  return h("input", { name: field.name, type: field.type || "text", required: field.required || null, maxlength: field.type ? null : "200", step: field.num ? "any" : null });
}

function addForm(tab, teams, ctx, msg, reload) {
  const form = h(
    "form",
    { class: "card", novalidate: true, "data-testid": "registry-form" },
    h("h3", {}, `登记${tab.title}`),
    h("div", { class: "form-grid" }, tab.fields.map((f) =>
      h("label", { class: f.wide ? "wide" : null }, f.required ? `${f.label}（必填）` : f.label, input(f, teams, ctx)))),
    h("p", {}, h("button", { type: "submit", class: "primary" }, "保存")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const payload = { ...(tab.extra || {}) };
    for (const [key, value] of Object.entries(formData(form))) {
      if (value === "") continue;
      const field = tab.fields.find((f) => f.name === key) || {};
      if (key.startsWith("offer_")) payload.offers = { ...(payload.offers || {}), [key.slice(6)]: value };
      else payload[key] = key === "team_id" || field.num ? Number(value) : value;
    }
    const missing = tab.fields.filter((f) => f.required && !payload[f.name]);
    if (missing.length) {
      showFieldErrors(form, Object.fromEntries(missing.map((f) => [f.name, `${f.type ? "请选择" : "请填写"}${f.label}`])));
      return;
    }
    try {
      await post(tab.path, payload);
      msg.ok(`已登记${tab.title}「${payload.name}」`);
      await reload();
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    }
  });
  return form;
}
