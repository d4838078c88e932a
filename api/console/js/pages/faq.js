// 问答完善: questions the bot could not answer confidently, turned into FAQ entries the
// knowledge base uses at once (no restart), or dismissed; and the FAQ entries in use.
import { get, post, query } from "../api.js";
import { clearFieldErrors, fill, fmtDateTime, formData, h, messageSlot, showFieldErrors, table } from "../dom.js";

export async function render(main, ctx) {
  const msg = messageSlot();
  const backlog = h("div", { "data-testid": "faq-backlog" });
  const editor = h("div", { "data-testid": "faq-editor" });
  const entries = h("div", { "data-testid": "faq-entries" });
  const canWrite = ctx.meta.faq_roles.includes(ctx.me.role);
  const reload = async () => {
    editor.replaceChildren();
    await Promise.all([loadBacklog(backlog, editor, msg, reload, canWrite), loadEntries(entries, msg, reload, canWrite)]);
  };
  main.append(
    h("p", { class: "muted" }, "用户在公众号或小程序提问、机器人没能准确回答的问题，以及用户评为“没用”的回答，列在这里（相近问法合并）。县市、州级管理员可以写出标准答案和依据，保存后立即用于回答，无需重启。",
      canWrite ? "" : "窗口工作人员可以查看，写答案请联系县市管理员。"),
    msg.el,
    h("h3", {}, "待完善的问题"), backlog, editor,
    h("h3", {}, "已有的常见问题"), entries,
  );
  await reload();
}

async function loadBacklog(box, editor, msg, reload, canWrite) {
  let groups;
  try {
    groups = (await get(`/questions/unconfident${query({ limit: 100 })}`)).groups;
  } catch (err) {
    return msg.error(err);
  }
  const columns = [
    { label: "问题（最近的问法）", value: (g) => g.question },
    { label: "次数", value: (g) => String(g.count) },
    { label: "最近提问", value: (g) => fmtDateTime(g.last_asked) },
    { label: "机器人找到的最接近段落", value: (g) => g.segment_label || g.top_passage },
    { label: "被评没用", value: (g) => (g.useless ? h("span", { class: "mark bad" }, `${g.useless} 次`) : "") },
  ];
  if (canWrite) {
    columns.push({ label: "操作", class: "actions", value: (g) => [
      h("button", { type: "button", class: "small primary", onclick: () => openEditor(editor, g, msg, reload) }, "写答案"),
      h("button", { type: "button", class: "small", onclick: () => dismiss(g, msg, reload) }, "忽略"),
    ] });
  }
  fill(box, table(columns, groups, { empty: "没有待完善的问题。" }));
}

function openEditor(editor, group, msg, reload) {
  const form = h("form", { class: "card faq-form", novalidate: true },
    h("h3", {}, `为「${group.question}」写答案（合并了 ${group.count} 次提问）`),
    h("label", {}, "问题（用户常见的问法）", h("input", { name: "question", maxlength: "200", value: group.question })),
    h("label", {}, "答案（用户会原样收到，请写清楚办理方式和咨询渠道；未确认的事项不要写成定论）", h("textarea", { name: "answer", maxlength: "500" })),
    h("label", {}, "依据（文件名称或答复部门）", h("input", { name: "source", maxlength: "200", placeholder: "例如：楚雄州人社局就业服务中心电话答复" })),
    h("div", { class: "toolbar" },
      h("button", { type: "submit", class: "primary" }, "保存并立即生效"),
      h("button", { type: "button", onclick: () => editor.replaceChildren() }, "取消")));
  form.addEventListener("input", () => clearFieldErrors(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { ...formData(form), question_ids: group.ids };
    const missing = ["question", "answer", "source"].filter((k) => !body[k]);
    if (missing.length) return showFieldErrors(form, Object.fromEntries(missing.map((k) => [k, "请填写此项"])));
    try {
      await post("/faq", body);
      await reload();
      msg.ok(`已保存常见问题「${body.question}」，机器人即刻按此回答。`);
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    }
  });
  editor.replaceChildren(form);
  form.elements.answer.focus();
}

async function dismiss(group, msg, reload) {
  try {
    const data = await post("/questions/dismiss", { question_ids: group.ids });
    await reload();
    msg.ok(`已忽略 ${data.dismissed} 条提问记录`);
  } catch (err) {
    msg.error(err);
  }
}

async function loadEntries(box, msg, reload, canWrite) {
  let entries;
  try {
    entries = (await get("/faq")).entries.filter((e) => e.active);
  } catch (err) {
    return msg.error(err);
  }
  const columns = [
    { label: "问题", value: (e) => e.question },
    { label: "答案", value: (e) => e.answer },
    { label: "依据", value: (e) => e.source },
    { label: "创建时间", value: (e) => fmtDateTime(e.created_at) },
  ];
  if (canWrite) {
    columns.push({ label: "操作", class: "actions", value: (e) => h("button", { type: "button", class: "small danger", onclick: async () => {
      try {
        await post(`/faq/${e.id}/deactivate`);
        await reload();
        msg.ok(`已停用「${e.question}」，机器人不再按此回答。`);
      } catch (err) {
        msg.error(err);
      }
    } }, "停用") });
  }
  fill(box, table(columns, entries, { empty: "还没有常见问题。", testid: "faq-table" }));
}
