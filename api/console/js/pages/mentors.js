// 导师帮扶: requests for a mentor (suggestions, one-click assignment, follow-ups) and mentor profiles
// (add one, or import a 师资库 .xlsx). Areas, follow-up kinds and status names come from GET /staff/meta.
import { get, post, query } from "../api.js";
import { fmtTime, formData, h, messageSlot, showFieldErrors, statusBadge, table } from "../dom.js";

const ADMINS = ["county", "prefecture"];

export async function render(main, ctx) {
  const msg = messageSlot();
  const requests = h("div");
  const mentors = h("div");
  const reload = async () => {
    await Promise.all([loadRequests(requests, msg, reload, ctx), loadMentors(mentors, msg, ctx, reload)]);
  };
  if (ctx.me.role === "mentor") {
    // A mentor's own login: only their mentees, with the follow-up form on each.
    main.append(
      h("p", { class: "muted" }, "这里只显示分配给您的创业者。点开前请先联系创业者，帮扶后请填写帮扶记录。"),
      msg.el, h("h3", {}, "我帮扶的创业者"), requests);
    const mine = () => loadRequests(requests, msg, mine, ctx);
    return mine();
  }
  const account = h("div", { "data-testid": "mentor-account-box" });
  main.append(
    h("p", { class: "muted" }, "找导师申请按擅长领域、服务县市和导师当前帮扶人数推荐导师；分配后系统通知导师和创业者。"),
    msg.el,
    h("h3", {}, "找导师申请"),
    requests,
    h("h3", {}, "导师名录"),
    ...(ADMINS.includes(ctx.me.role) ? [mentorForm(ctx, msg, reload), importForm(msg, reload)] : []),
    account,
    mentors,
  );
  ctx.mentorAccountBox = account;
  await reload();
}

async function loadRequests(box, msg, reload, ctx) {
  let rows;
  try {
    rows = (await get("/mentor-requests")).requests;
  } catch (err) {
    return msg.error(err);
  }
  const statuses = ctx.meta.statuses.mentor_request;
  const columns = [
    { label: "编号", value: (r) => String(r.id) },
    { label: "县市", value: (r) => r.county },
    { label: "领域", value: (r) => r.industry },
    { label: "需求", value: (r) => r.need },
    { label: "创业者", value: (r) => `${r.name} ${r.phone}` },
    { label: "状态", value: (r) => statusBadge(r.status, statuses) },
    { label: "导师 / 推荐", value: (r) => (r.mentor ? r.mentor.name : suggestions(r)) },
    { label: "帮扶记录", value: (r) => r.follow_ups.map((f) => `${f.date} ${f.kind}：${f.note}`).join("；") },
    { label: "操作", class: "actions", value: (r) => actions(r, msg, reload, ctx) },
  ];
  box.replaceChildren(table(columns, rows, { empty: "暂无找导师申请。", testid: "mentor-requests" }));
}

const suggestions = (r) => r.suggestions.map((s) => `${s.name}（${s.reason}）`).join("；") || "暂无合适的导师";

function actions(r, msg, reload, ctx) {
  if (r.status === "submitted" && ADMINS.includes(ctx.me.role) && r.suggestions.length) {
    const pick = h("select", { name: "mentor_id" }, r.suggestions.map((s) => h("option", { value: String(s.mentor_id) }, s.name)));
    const assign = (mentorId) => act(msg, reload, `/mentor-requests/${r.id}/assign`, mentorId ? { mentor_id: mentorId } : {},
      (res) => `已分配导师 ${res.request.mentor.name}，系统将通知导师和创业者。`);
    return h("span", {},
      h("button", { type: "button", class: "small primary", "data-testid": "assign-first", onclick: () => assign(null) }, "分配第一位推荐"),
      pick,
      h("button", { type: "button", class: "small", onclick: () => assign(Number(pick.value)) }, "分配所选"));
  }
  if (r.status === "assigned") return followUpForm(r, msg, reload, ctx);
  return "";
}

function followUpForm(r, msg, reload, ctx) {
  const today = new Date().toISOString().slice(0, 10);
  const form = h("form", { class: "inline", "data-testid": "follow-up-form" },
    h("input", { type: "date", name: "date", value: today }),
    h("select", { name: "kind" }, ctx.meta.follow_up_kinds.map((k) => h("option", { value: k }, k))),
    h("input", { name: "note", placeholder: "帮扶内容" }),
    h("button", { type: "submit", class: "small primary" }, "记录帮扶"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await post(`/mentor-requests/${r.id}/follow-ups`, formData(form));
      msg.ok("帮扶记录已保存，创业者可在「我的导师」中看到。");
      await reload();
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    }
  });
  return form;
}

async function act(msg, reload, path, body, done) {
  try {
    const res = await post(path, body);
    msg.ok(done(res));
    await reload();
  } catch (err) {
    msg.error(err);
  }
}

async function loadMentors(box, msg, ctx, reload) {
  let rows;
  try {
    rows = (await get(`/mentors${query({})}`)).items;
  } catch (err) {
    return msg.error(err);
  }
  const columns = [
    { label: "姓名", value: (m) => (m.demo ? `演示数据：${m.name}` : m.name) },
    { label: "单位 / 职称", value: (m) => [m.organisation, m.title].filter(Boolean).join(" ") },
    { label: "擅长领域", value: (m) => m.expertise.join("、") },
    { label: "服务县市", value: (m) => m.counties.join("、") || ctx.meta.prefecture },
    { label: "团队", value: (m) => m.team },
    { label: "电话", value: (m) => m.phone },
    { label: "帮扶中 / 上限", value: (m) => `${m.load} / ${m.capacity}` },
    { label: "登录账号", value: (m) => (m.has_account ? "已开通账号"
      : ADMINS.includes(ctx.me.role) ? h("button", { type: "button", class: "small", "data-testid": "open-account",
        onclick: () => accountForm(ctx.mentorAccountBox, m, msg, reload) }, "开通登录账号") : "") },
  ];
  box.replaceChildren(table(columns, rows, { empty: "还没有登记创业导师。", testid: "mentor-table" }));
}

// 开通登录账号: a username and first password for the mentor, then the one-time bind code they send
// to the official account as 「绑定 123456」 so assignments reach their WeChat.
function accountForm(box, m, msg, reload) {
  msg.clear();
  const form = h("form", { class: "inline", "data-testid": "mentor-account-form" },
    `为导师 ${m.name} 开通登录账号：`,
    h("label", {}, "用户名", h("input", { name: "username", required: true, autocomplete: "off" })),
    h("label", {}, "初始密码（至少 10 个字符）", h("input", { name: "password", type: "password", required: true, autocomplete: "new-password" })),
    h("button", { type: "submit", class: "small primary" }, "开通"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    let res;
    try {
      res = await post(`/mentors/${m.id}/account`, formData(form));
    } catch (err) {
      showFieldErrors(form, err.fields);
      return msg.error(err);
    }
    msg.ok(`已为导师 ${m.name} 开通登录账号 ${res.account.username}，请把用户名和初始密码告诉导师。`);
    const code = res.bind_code.code;
    box.replaceChildren(h("div", { class: "card", "data-testid": "mentor-bind-card" },
      h("div", {}, `导师 ${m.name} 的一次性微信绑定码`),
      h("div", { class: "bind-code", "data-testid": "mentor-bind-code" }, code),
      h("p", {}, "请导师用自己的微信，", h("strong", {}, `向公众号发送「绑定 ${code}」`), `（只能使用一次，${fmtTime(res.bind_code.expires_at)} 前有效）。`),
      h("p", { class: "muted" }, "绑定后分配给导师的帮扶任务会发到导师的微信；过期后导师可登录后台在「绑定微信」重新获取。")));
    await reload();
  });
  box.replaceChildren(form);
  form.elements.username.focus();
}

function checkboxes(name, values) {
  return h("span", { class: "checks" }, values.map((v) => h("label", {}, h("input", { type: "checkbox", name, value: v }), v)));
}

function mentorForm(ctx, msg, reload) {
  const form = h("form", { class: "grid", "data-testid": "mentor-form" },
    h("label", {}, "姓名", h("input", { name: "name", required: true })),
    h("label", {}, "工作单位", h("input", { name: "organisation" })),
    h("label", {}, "职称", h("input", { name: "title" })),
    h("label", {}, "联系电话（不公开）", h("input", { name: "phone" })),
    h("label", {}, "同时帮扶人数", h("input", { name: "capacity", type: "number", value: "5", min: "1" })),
    h("div", { class: "wide" }, "擅长领域", checkboxes("expertise", ctx.meta.mentor_areas)),
    h("div", { class: "wide" }, "服务县市（不选为全州）", checkboxes("counties", ctx.meta.counties)),
    h("button", { type: "submit", class: "primary" }, "登记导师"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = formData(form);
    const body = { ...data, capacity: Number(data.capacity || 5),
      expertise: [...form.querySelectorAll("[name=expertise]:checked")].map((i) => i.value),
      counties: [...form.querySelectorAll("[name=counties]:checked")].map((i) => i.value) };
    if (!body.phone) delete body.phone;
    try {
      await post("/mentors", body);
      form.reset();
      msg.ok(`已登记导师 ${body.name}`);
      await reload();
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    }
  });
  return form;
}

function importForm(msg, reload) {
  const file = h("input", { type: "file", name: "file", accept: ".xlsx" });
  const demo = h("input", { type: "checkbox", name: "demo" });
  const form = h("form", { class: "inline", "data-testid": "mentor-import" },
    "导入师资库（.xlsx，列：姓名、工作单位、职称、擅长领域、服务县市、所属团队、联系电话、同时帮扶人数）",
    file, h("label", {}, demo, "演示数据"), h("button", { type: "submit", class: "small" }, "导入"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!file.files.length) return msg.error("请选择 .xlsx 文件");
    const bytes = new Uint8Array(await file.files[0].arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    await act(msg, reload, "/mentors/import", { file: btoa(binary), demo: demo.checked }, (res) => `已导入 ${res.created} 位导师`);
  });
  return form;
}


