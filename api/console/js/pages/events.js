// 创业活动: events of the staff member's county (the prefecture: all), publishing one, its sign-ups
// (phones masked) and check-in by the participant's code or by row, as at the windows.
import { get, post, query } from "../api.js";
import { fmtDateTime, formData, h, messageSlot, showFieldErrors, statusBadge, table } from "../dom.js";

// <input type=datetime-local> gives "2026-12-20T14:00": Chuxiong time, sent with its offset.
const withOffset = (local) => (local ? `${local.length === 16 ? `${local}:00` : local}+08:00` : null);

export async function render(main, ctx) {
  const msg = messageSlot();
  const list = h("div", { "data-testid": "events-list" });
  const detail = h("div", { "data-testid": "event-registrations" });
  const state = { eventId: null };
  const reload = async () => {
    await loadEvents(list, msg, state, openEvent);
    if (state.eventId) await loadRegistrations(detail, state.eventId, msg, ctx, reload);
  };
  const openEvent = async (id) => {
    state.eventId = id;
    await loadRegistrations(detail, id, msg, ctx, reload);
  };
  const codeInput = h("input", { name: "event_code", placeholder: "签到码", maxlength: "12", autocomplete: "off", "aria-label": "活动签到码" });
  const codeForm = h(
    "form",
    { class: "checkin-box toolbar", "data-testid": "event-checkin", onsubmit: (ev) => { ev.preventDefault(); checkInByCode(codeInput, msg, reload); } },
    h("span", { class: "spacer" }),
    h("label", {}, "活动签到（按签到码） ", codeInput),
    h("button", { type: "submit", class: "primary" }, "签到"),
  );
  main.append(codeForm, msg.el, list, detail);
  if (ctx.me.role !== "window") main.append(publishForm(ctx, msg, reload));
  else main.append(h("p", { class: "muted" }, "窗口工作人员可查看本县市活动并签到；发布活动请联系县市管理员。"));
  await reload();
}

async function loadEvents(list, msg, state, openEvent) {
  let data;
  try {
    data = await get("/events");
  } catch (err) {
    return msg.error(err);
  }
  const columns = [
    { label: "活动", value: (e) => [e.title, e.demo ? h("span", { class: "badge" }, " 演示数据") : null].filter(Boolean) },
    { label: "类型", value: (e) => e.kind },
    { label: "时间", value: (e) => `${fmtDateTime(e.start)} – ${fmtDateTime(e.end)}` },
    { label: "县市", value: (e) => e.county },
    { label: "地点", value: (e) => e.place || e.online_url || "" },
    { label: "报名", value: (e) => `${e.registered} / ${e.capacity}` },
    { label: "操作", class: "actions", value: (e) => h("button", { type: "button", class: "small", onclick: () => openEvent(e.id) }, "查看报名") },
  ];
  list.replaceChildren(h("h3", {}, "近期活动"), table(columns, data.events || [], { empty: "暂无活动。", testid: "events-table" }));
}

async function loadRegistrations(detail, eventId, msg, ctx, reload) {
  let data;
  try {
    data = await get(`/events/${eventId}/registrations`);
  } catch (err) {
    return msg.error(err);
  }
  const names = ctx.meta.statuses.event_registration;
  const columns = [
    { label: "姓名", value: (r) => r.name },
    { label: "手机", value: (r) => r.phone },
    { label: "状态", value: (r) => statusBadge(r.status, { [r.status]: names[r.status] || r.status_label }) },
    { label: "签到时间", value: (r) => fmtDateTime(r.checked_in_at) },
    { label: "操作", class: "actions", value: (r) => (r.status === "registered"
      ? h("button", { type: "button", class: "small primary", onclick: rowCheckIn(r, msg, reload) }, "签到") : "") },
  ];
  const rows = data.registrations || [];
  detail.replaceChildren(h("section", { class: "card" },
    h("h3", {}, `报名名单（${rows.length} 人）`),
    table(columns, rows, { empty: "还没有人报名。", testid: "registrations-table" })));
}

const rowCheckIn = (row, msg, reload) => async (ev) => {
  ev.target.disabled = true;
  try {
    await post(`/event-registrations/${row.id}/check-in`);
    msg.ok(`${row.name} 已签到`);
    await reload();
  } catch (err) {
    ev.target.disabled = false;
    msg.error(err);
  }
};

async function checkInByCode(input, msg, reload) {
  const code = input.value.trim().toUpperCase();
  if (!code) return msg.error("请输入签到码");
  try {
    const reg = (await post("/event-check-in", { code })).registration;
    msg.ok(`签到成功：${reg.name}（${reg.event_title}）`);
    input.value = "";
    await reload();
  } catch (err) {
    msg.error(err);
  }
  input.focus();
}

const FIELDS = [
  { name: "title", label: "活动名称", required: true },
  { name: "kind", label: "活动类型", type: "kind", required: true },
  { name: "start", label: "开始时间", type: "datetime-local", required: true },
  { name: "end", label: "结束时间", type: "datetime-local", required: true },
  { name: "county", label: "县市", type: "county", required: true },
  { name: "capacity", label: "人数上限", type: "number", required: true },
  { name: "place", label: "活动地点" },
  { name: "online_url", label: "直播链接" },
  { name: "signup_deadline", label: "报名截止时间", type: "datetime-local" },
  { name: "description", label: "活动介绍", wide: true },
];

function input(field, { me, meta }) {
  if (field.type === "county") {
    if (me.role === "county") return h("select", { name: "county" }, h("option", { value: me.county }, me.county));
    return h("select", { name: "county" }, h("option", { value: "" }, "请选择县市"), meta.counties.map((c) => h("option", { value: c }, c)));
  }
  if (field.type === "kind") {
    return h("select", { name: "kind" }, h("option", { value: "" }, "请选择类型"), meta.event_kinds.map((k) => h("option", { value: k }, k)));
  }
  return h("input", { name: field.name, type: field.type || "text", min: field.type === "number" ? "1" : null });
}

function publishForm(ctx, msg, reload) {
  const form = h(
    "form",
    { class: "card", novalidate: true, "data-testid": "event-form" },
    h("h3", {}, "发布活动"),
    h("p", { class: "muted" }, "活动地点和直播链接至少填一项；未经确认的信息请勾选「演示数据」。"),
    h("div", { class: "form-grid" },
      FIELDS.map((f) => h("label", { class: f.wide ? "wide" : null }, f.required ? `${f.label}（必填）` : f.label, input(f, ctx))),
      h("label", {}, h("input", { type: "checkbox", name: "demo", value: "true" }), " 演示数据")),
    h("p", {}, h("button", { type: "submit", class: "primary" }, "发布")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const raw = formData(form);
    const missing = FIELDS.filter((f) => f.required && !raw[f.name]);
    if (missing.length) {
      showFieldErrors(form, Object.fromEntries(missing.map((f) => [f.name, `请填写${f.label}`])));
      return;
    }
    const payload = {
      title: raw.title, kind: raw.kind, county: raw.county, capacity: Number(raw.capacity),
      start: withOffset(raw.start), end: withOffset(raw.end), place: raw.place || "", online_url: raw.online_url || "",
      description: raw.description || "", demo: raw.demo === "true",
    };
    if (raw.signup_deadline) payload.signup_deadline = withOffset(raw.signup_deadline);
    try {
      await post("/events", payload);
      msg.ok(`已发布活动「${payload.title}」`);
      form.reset();
      await reload();
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    }
  });
  return form;
}
