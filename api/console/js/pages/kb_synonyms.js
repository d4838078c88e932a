// 同义词 (on the 知识库 page): the colloquial words staff add so the bot understands how people ask
// (老兵 → 退役军人), on top of the table that ships with the software. List, add, edit, deactivate.
// Every staff member reads; county and prefecture administrators change (GET /staff/meta kb_roles;
// the server checks again). A change reaches every process within seconds; 命中测试 shows its effect.
import { get, patch, post } from "../api.js";
import { clearFieldErrors, fill, fmtDateTime, h, messageSlot, showFieldErrors, table } from "../dom.js";

const PATH = "/kb/synonyms";

// "老兵，当过兵的 退伍老兵" → ["老兵", "当过兵的", "退伍老兵"] (the server checks each word).
const splitWords = (text) => text.split(/[,，、;；\s]+/).map((w) => w.trim()).filter(Boolean);

export function synonymsSection(ctx) {
  const writer = ctx.meta.kb_roles.includes(ctx.me.role);
  const msg = messageSlot();
  const list = h("div", { "data-testid": "kb-synonyms" });
  const box = h("details", { class: "card kb-upload kb-synonyms", "data-testid": "kb-synonyms-section" },
    h("summary", {}, "同义词：老百姓的说法（点击展开）"));

  const reload = async () => {
    let synonyms;
    try {
      ({ synonyms } = await get(PATH));
    } catch (err) {
      return msg.error(err);
    }
    fill(list, synonymsTable(synonyms, writer, msg, reload));
  };

  box.append(
    h("p", { class: "muted" },
      "机器人先把老百姓的说法换成文档里的规范词再查找，例如把“老兵”读作“退役军人”。软件自带一张常用说法表；",
      "在这里补充的说法优先于自带的，保存后几秒内所有进程生效，无需重启。加好后到「命中测试」用这个说法问一问，看是否答对。",
      writer ? "" : "窗口工作人员可以查看，修改请联系县市或州级管理员。"),
    msg.el,
    writer ? synonymForm(null, msg, reload) : null,
    list);
  box.addEventListener("toggle", () => { if (box.open) reload(); }, { once: true });
  return box;
}

// The add form (entry null) or the edit form of one entry.
function synonymForm(entry, msg, onDone, onCancel) {
  const form = h("form", { class: "form-grid", "data-testid": entry ? "kb-synonym-edit" : "kb-synonym-add", novalidate: true },
    h("label", {}, "规范词（文档里的说法）",
      h("input", { name: "canonical", maxlength: "20", placeholder: "例如：退役军人", value: entry ? entry.canonical : "" })),
    h("label", { class: "wide" }, "老百姓的说法（用逗号或空格分开，每个不超过 20 字，最多 50 个）",
      h("input", { name: "variants", placeholder: "例如：老兵，当过兵的人", value: entry ? entry.variants.join("，") : "" })),
    h("label", { class: "inline" }, h("input", { type: "checkbox", name: "focus", checked: entry ? entry.focus : false }),
      " 重点词（表示“问的是什么”，如额度、期限、怎么办理）"),
    h("div", { class: "toolbar wide" },
      h("button", { type: "submit", class: "primary" }, entry ? "保存" : "添加"),
      onCancel ? h("button", { type: "button", onclick: onCancel }, "取消") : null));
  form.addEventListener("input", () => clearFieldErrors(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {
      canonical: form.elements.canonical.value.trim(),
      variants: splitWords(form.elements.variants.value),
      focus: form.elements.focus.checked,
    };
    const problems = {};
    if (!body.canonical) problems.canonical = "请填写规范词";
    if (!body.variants.length) problems.variants = "请至少填写一个说法";
    if (Object.keys(problems).length) return showFieldErrors(form, problems);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const { synonym } = entry ? await patch(`${PATH}/${entry.id}`, body) : await post(PATH, body);
      if (!entry) form.reset();
      msg.ok(`已保存：${synonym.variants.join("、")} → ${synonym.canonical}，几秒内生效。`);
      await onDone();
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function synonymsTable(synonyms, writer, msg, reload) {
  const setActive = (s, active) => async (ev) => {
    ev.target.disabled = true;
    try {
      await patch(`${PATH}/${s.id}`, { active });
      msg.ok(active ? `已重新启用“${s.canonical}”的说法，几秒内生效。` : `已停用“${s.canonical}”的说法，几秒内不再生效。`);
      await reload();
    } catch (err) {
      ev.target.disabled = false;
      msg.error(err);
    }
  };
  const columns = [
    { label: "规范词", value: (s) => h("span", {}, s.canonical, s.focus ? h("span", { class: "mark info" }, "重点词") : null) },
    { label: "老百姓的说法", value: (s) => s.variants.join("、") },
    { label: "状态", value: (s) => (s.active ? "启用" : h("span", { class: "mark bad" }, "停用（不生效）")) },
    { label: "更新时间", class: "nowrap", value: (s) => fmtDateTime(s.updated_at) },
  ];
  if (writer) {
    columns.push({ label: "", class: "actions", value: (s) => h("span", {},
      h("button", { type: "button", class: "small", "data-action": "edit-synonym", onclick: (ev) => {
        const row = ev.target.closest("tr");
        const cell = h("td", { colspan: String(columns.length) });
        const editor = h("tr", {}, cell);
        cell.append(synonymForm(s, msg, reload, () => editor.remove()));
        row.after(editor);
      } }, "编辑"),
      s.active
        ? h("button", { type: "button", class: "small danger", "data-action": "deactivate-synonym", onclick: setActive(s, false) }, "停用")
        : h("button", { type: "button", class: "small", "data-action": "activate-synonym", onclick: setActive(s, true) }, "启用")) });
  }
  return table(columns, synonyms, { empty: "还没有工作人员补充的说法（软件自带的常用说法已在使用）。", testid: "kb-synonyms-table" });
}
