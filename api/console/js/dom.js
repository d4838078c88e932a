// Small DOM helpers. API data is only ever inserted as text, never as HTML.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

// Replaces an element's children, skipping null/false (replaceChildren would print "null").
export function fill(el, ...children) {
  el.replaceChildren(...children.flat(Infinity).filter((c) => c != null && c !== false));
  return el;
}

// columns: [{label, value: row => text|Node, class?}]
export function table(columns, rows, { empty = "暂无记录", rowClass, onRowClick, testid } = {}) {
  const head = h("tr", {}, columns.map((c) => h("th", {}, c.label)));
  const body = rows.length
    ? rows.map((row) =>
        h(
          "tr",
          {
            class: [onRowClick ? "clickable" : "", rowClass ? rowClass(row) : ""].join(" ").trim() || null,
            dataset: row.id != null ? { id: String(row.id) } : undefined,
            onclick: onRowClick ? (ev) => { if (!ev.target.closest("button")) onRowClick(row, ev); } : null,
          },
          columns.map((c) => h("td", { class: c.class || null }, cell(c.value(row)))),
        ),
      )
    : [h("tr", {}, h("td", { colspan: String(columns.length), class: "muted" }, empty))];
  return h("table", { class: "data", "data-testid": testid || null }, h("thead", {}, head), h("tbody", {}, body));
}

function cell(value) {
  if (value == null || value === "") return "—";
  return value;
}

export function notice(kind, text) {
  return h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

// A place on the page for one message at a time.
export function messageSlot() {
  const slot = h("div", { class: "message-slot" });
  return {
    el: slot,
    ok: (text) => slot.replaceChildren(notice("ok", text)),
    error: (err) => slot.replaceChildren(notice("error", err && err.message ? err.message : String(err))),
    info: (text) => slot.replaceChildren(notice("info", text)),
    clear: () => slot.replaceChildren(),
  };
}

// The Chinese name of an API value, from a table of GET /staff/meta (the value itself if unnamed).
export const label = (names, value) => (names && names[value]) || value || "";

export function statusBadge(status, labels) {
  return h("span", { class: `status ${status || ""}` }, labels[status] || status || "—");
}

const TZ = "Asia/Shanghai";
const timeFmt = new Intl.DateTimeFormat("zh-CN", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hour12: false });
const dateTimeFmt = new Intl.DateTimeFormat("zh-CN", {
  timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false,
});
const isoDateFmt = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" });

export const fmtTime = (iso) => (iso ? timeFmt.format(new Date(iso)) : "");
export const fmtDateTime = (iso) => (iso ? dateTimeFmt.format(new Date(iso)) : "");
export const todayInChuxiong = () => isoDateFmt.format(new Date());

export function fmtNumber(n) {
  return typeof n === "number" ? n.toLocaleString("zh-CN") : n;
}

// Shows each field's message under its input, keyed by the input's name.
export function showFieldErrors(form, fields) {
  clearFieldErrors(form);
  for (const [name, message] of Object.entries(fields || {})) {
    // "questions.0" (an item of a list field) shows under the list's input.
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`)
      || form.querySelector(`[name="${CSS.escape(name.split(".")[0])}"]`);
    if (input) input.after(h("span", { class: "field-error" }, message));
  }
}

export function clearFieldErrors(form) {
  form.querySelectorAll(".field-error").forEach((el) => el.remove());
}

export function formData(form) {
  const out = {};
  for (const [key, value] of new FormData(form).entries()) out[key] = typeof value === "string" ? value.trim() : value;
  return out;
}
