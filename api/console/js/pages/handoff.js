// 人工服务: users waiting for a person, the conversation so far, replies and handing back to the bot.
import { get, post, query } from "../api.js";
import { clearFieldErrors, fill, fmtDateTime, fmtTime, h, label, messageSlot, showFieldErrors, statusBadge, table } from "../dom.js";

// The server's names (GET /staff/meta), set when the page is rendered.
let STATUS = {};
let REASON = {};
let SENDER = {};
const REFRESH_MS = 15_000;

export async function render(main, ctx) {
  STATUS = ctx.meta.statuses.handoff;
  REASON = ctx.meta.handoff_reasons;
  SENDER = ctx.meta.handoff_senders;
  const state = { status: "open", selected: null };
  const msg = messageSlot();
  const listBox = h("div", { "data-testid": "handoff-list" });
  const detailBox = h("div", { class: "card", "data-testid": "handoff-detail" }, h("p", { class: "muted" }, "点击左侧一位用户查看对话并回复。"));
  const filters = [{ value: "open", label: `${STATUS.waiting}和${STATUS.active}` }, { value: "closed", label: STATUS.closed }, { value: "all", label: "全部" }];
  const select = h("select", { name: "status", "aria-label": "状态" }, filters.map((f) => h("option", { value: f.value }, f.label)));
  const reload = () => loadList(state, listBox, detailBox, msg, reload);
  select.addEventListener("change", () => { state.status = select.value; reload(); });
  main.append(
    h("p", { class: "muted" }, "用户发送「人工」、点菜单或连续几次没得到准确回答时进入这里。服务期间机器人不回复该用户；您的回复以公众号客服消息发出（用户 48 小时内有互动才能收到）。"),
    h("div", { class: "toolbar" }, h("label", {}, "状态 ", select), h("span", { class: "spacer" }), h("button", { type: "button", onclick: reload }, "刷新")),
    msg.el,
    h("div", { class: "split" }, listBox, detailBox),
  );
  await reload();
  // New messages arrive while the page is open: refresh quietly until the page is left.
  const timer = setInterval(() => (main.contains(listBox) ? refresh(state, listBox, detailBox, msg, reload) : clearInterval(timer)), REFRESH_MS);
}

async function refresh(state, listBox, detailBox, msg, reload) {
  const typing = detailBox.querySelector("textarea");
  if (typing && typing.value.trim()) return; // never wipe a reply being written
  await reload();
}

async function loadList(state, listBox, detailBox, msg, reload) {
  let sessions;
  try {
    sessions = (await get(`/handoffs${query({ status: state.status })}`)).sessions;
  } catch (err) {
    return msg.error(err);
  }
  const columns = [
    { label: "用户", value: (s) => s.user },
    { label: "县市", value: (s) => s.county },
    { label: "原因", value: (s) => label(REASON, s.reason) },
    { label: "进入时间", value: (s) => fmtDateTime(s.created_at) },
    { label: "状态", value: (s) => statusBadge(s.status, STATUS) },
  ];
  const open = (s, ev) => {
    state.selected = s.id;
    listBox.querySelectorAll("tr.selected").forEach((tr) => tr.classList.remove("selected"));
    ev.currentTarget.classList.add("selected");
    showSession(s.id, detailBox, msg, reload);
  };
  fill(listBox, table(columns, sessions, { empty: "目前没有等待人工服务的用户。", onRowClick: open, rowClass: (s) => (s.id === state.selected ? "selected" : "") }));
  if (state.selected != null) await showSession(state.selected, detailBox, msg, reload);
}

async function showSession(id, box, msg, reload) {
  let data;
  try {
    data = await get(`/handoffs/${id}`);
  } catch (err) {
    return msg.error(err);
  }
  const { session, messages } = data;
  fill(
    box,
    h("h3", {}, `用户 ${session.user}（${session.county}）`, " ", statusBadge(session.status, STATUS)),
    session.overdue_notified ? h("p", { class: "demo" }, "长时间无人接入，系统已告知用户其他求助方式。") : null,
    draftBlock(session.draft),
    h("div", { class: "transcript", "data-testid": "transcript" }, messages.map(line)),
    session.status === "closed" ? h("p", { class: "muted" }, `已于 ${fmtDateTime(session.closed_at)} 结束，机器人已恢复回复。`) : replyForm(session, msg, reload),
  );
  const transcript = box.querySelector(".transcript");
  transcript.scrollTop = transcript.scrollHeight;
}

function line(m) {
  const meta = [fmtTime(m.at), label(SENDER, m.sender), m.before_handoff ? "转人工前" : ""].filter(Boolean).join(" · ");
  const failed = m.sender === "staff" && m.delivered === false;
  return h("div", { class: `line ${m.sender}` },
    h("div", { class: "meta" }, meta),
    h("div", { class: "bubble" }, m.text),
    failed ? h("div", { class: "error" }, `未送达：${m.error || "微信未接受"}`) : null);
}

function draftBlock(draft) {
  if (!draft || !Object.keys(draft).length) return null;
  const rows = Object.entries(draft.answers || draft).filter(([, v]) => v != null && typeof v !== "object");
  if (!rows.length) return null;
  return h("details", { class: "card" },
    h("summary", {}, `用户转人工时未填完的「${draft.title || "表单"}」（已脱敏）`),
    h("dl", { class: "detail" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, String(v))])));
}

function replyForm(session, msg, reload) {
  const form = h("form", { class: "reply-form", novalidate: true },
    h("textarea", { name: "text", maxlength: "600", placeholder: "输入回复，发送后用户在公众号里收到" }),
    h("div", { class: "toolbar" },
      h("button", { type: "submit", class: "primary" }, "发送回复"),
      h("span", { class: "spacer" }),
      h("button", { type: "button", class: "danger", "data-action": "close" }, "结束服务，交还机器人")));
  form.addEventListener("input", () => clearFieldErrors(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const text = form.elements.text.value.trim();
    if (!text) return showFieldErrors(form, { text: "请输入回复内容" });
    await act(form, msg, reload, () => post(`/handoffs/${session.id}/reply`, { text }), (data) =>
      data.message.delivered === false ? `回复已记录，但未送达微信：${data.message.error || "微信未接受"}` : "回复已发送");
  });
  form.querySelector("[data-action=close]").addEventListener("click", () =>
    act(form, msg, reload, () => post(`/handoffs/${session.id}/close`), () => "已结束人工服务，机器人恢复回复，并已告知用户"));
  return form;
}

async function act(form, msg, reload, call, done) {
  form.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    const data = await call();
    const text = done(data);
    form.elements.text.value = "";
    await reload();
    (text.includes("未送达") ? msg.error : msg.ok)(text);
  } catch (err) {
    form.querySelectorAll("button").forEach((b) => (b.disabled = false));
    showFieldErrors(form, err.fields);
    msg.error(err);
  }
}
