// 今日预约: the day's appointments per window, check-in by code or by row, no-show.
import { get, post, query } from "../api.js";
import { fmtTime, h, messageSlot, statusBadge, table, todayInChuxiong } from "../dom.js";

export async function render(main, ctx) {
  const msg = messageSlot();
  const dateInput = h("input", { type: "date", name: "date", value: todayInChuxiong(), "aria-label": "日期" });
  const codeInput = h("input", { name: "code", placeholder: "签到码", maxlength: "12", autocomplete: "off", "aria-label": "签到码" });
  const list = h("div", { class: "agenda" });

  const names = ctx.meta.statuses.appointment;
  const reload = () => load(list, dateInput.value, msg, reload, names);
  const codeForm = h(
    "form",
    { class: "checkin-box toolbar", onsubmit: (ev) => { ev.preventDefault(); checkInByCode(codeInput, msg, reload); } },
    h("label", {}, "日期 ", dateInput),
    h("span", { class: "spacer" }),
    h("label", {}, "按签到码签到 ", codeInput),
    h("button", { type: "submit", class: "primary" }, "签到"),
  );
  dateInput.addEventListener("change", reload);
  main.append(codeForm, msg.el, list);
  await reload();
  codeInput.focus();
}

async function load(list, date, msg, reload, names) {
  let data;
  try {
    data = await get(`/appointments${query({ date })}`);
  } catch (err) {
    list.replaceChildren();
    return msg.error(err);
  }
  const groups = groupByWindow(data.appointments || []);
  if (!groups.length) {
    list.replaceChildren(h("p", { class: "muted" }, `${date} 没有预约。`));
    return;
  }
  list.replaceChildren(...groups.map(([name, rows]) => windowSection(name, rows, msg, reload, names)));
}

function groupByWindow(rows) {
  const groups = new Map();
  for (const row of rows) {
    const name = row.window_name || `窗口 ${row.window_id}`;
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(row);
  }
  for (const list of groups.values()) list.sort((a, b) => String(a.start).localeCompare(String(b.start)));
  return [...groups.entries()];
}

function windowSection(name, rows, msg, reload, names) {
  const waiting = rows.filter((r) => r.status === "booked").length;
  const columns = [
    { label: "时间", value: (r) => `${fmtTime(r.start)}${r.end ? `–${fmtTime(r.end)}` : ""}` },
    { label: "姓名", value: (r) => r.name },
    { label: "手机", value: (r) => r.phone },
    { label: "事项", value: (r) => r.purpose },
    { label: "状态", value: (r) => statusBadge(r.status, { [r.status]: r.status_label }) },
    { label: "操作", class: "actions", value: (r) => rowActions(r, msg, reload, names) },
  ];
  return h(
    "section",
    { class: "card", "data-testid": "agenda-window" },
    h("h3", {}, name, h("span", { class: "muted" }, `　共 ${rows.length} 人，待签到 ${waiting} 人`)),
    table(columns, rows, { testid: "agenda-table" }),
  );
}

// Check-in also serves someone marked absent who turns up late; absence only once the time has begun.
function rowActions(row, msg, reload, names) {
  const canCheckIn = row.status === "booked" || row.status === "no_show";
  const canMarkAbsent = row.status === "booked" && new Date(row.start) <= new Date();
  const act = (path, done) => async (ev) => {
    ev.target.disabled = true;
    try {
      await post(`/appointments/${row.id}/${path}`);
      msg.ok(done);
      await reload();
    } catch (err) {
      ev.target.disabled = false;
      msg.error(err);
    }
  };
  return [
    canCheckIn && h("button", { type: "button", class: "small primary", onclick: act("check-in", `${row.name} ${names.checked_in}`) }, "签到"),
    canMarkAbsent && h("button", { type: "button", class: "small danger", onclick: act("no-show", `${row.name} 已标记为${names.no_show}`) }, names.no_show),
  ].filter(Boolean);
}

async function checkInByCode(input, msg, reload) {
  const code = input.value.trim().toUpperCase();
  if (!code) return msg.error("请输入签到码");
  try {
    const data = await post("/check-in", { code });
    const appt = data.appointment;
    msg.ok(`签到成功：${appt.name} ${fmtTime(appt.start)}（签到码 ${code}）`);
    input.value = "";
    await reload();
  } catch (err) {
    msg.error(err);
  }
  input.focus();
}
