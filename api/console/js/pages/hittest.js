// 命中测试: what the bot would answer a question — the ranked segments with their scores, whether
// it would be confident, and the exact reply — from what is published now, or with the drafts too.
// Every staff role may use it; it changes nothing.
import { post } from "../api.js";
import { clearFieldErrors, fill, h, messageSlot, showFieldErrors, table } from "../dom.js";

export async function render(main, ctx) {
  const msg = messageSlot();
  const result = h("div", { "data-testid": "hit-result" });
  const form = h("form", { class: "card hit-form", "data-testid": "hit-form", novalidate: true },
    h("label", { class: "block" }, "问题（按用户的说法输入，比如“贷款咋个整”）",
      h("textarea", { name: "question", maxlength: "500", rows: "2" })),
    h("div", { class: "toolbar" },
      h("label", { class: "inline" }, h("input", { type: "checkbox", name: "include_drafts" }), " 包含草稿（发布前先试一试）"),
      h("label", { class: "inline" }, "提问人所在县市 ",
        h("select", { name: "county" }, h("option", { value: "" }, "不限"), ctx.meta.counties.map((c) => h("option", { value: c }, c)))),
      h("span", { class: "spacer" }),
      h("button", { type: "submit", class: "primary" }, "测试")));
  form.addEventListener("input", () => clearFieldErrors(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const question = form.elements.question.value.trim();
    if (!question) return showFieldErrors(form, { question: "请输入要测试的问题" });
    const body = { question, include_drafts: form.elements.include_drafts.checked };
    if (form.elements.county.value) body.county = form.elements.county.value;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      msg.clear();
      showResult(result, await post("/kb/hit-test", body), body.include_drafts);
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    } finally {
      button.disabled = false;
    }
  });
  main.append(
    h("p", { class: "muted" },
      "输入一个问题，看机器人会找到哪些段落、得分多少、有没有把握，以及用户会收到的原话。勾选“包含草稿”可以在发布前检验新导入或刚修改的文档。",
      "测试不会记入提问记录，也不改变任何内容。"),
    msg.el, form, result);
  form.elements.question.focus();
}

function showResult(box, data, withDrafts) {
  const verdict = data.confident
    ? h("span", { class: "status published", "data-testid": "hit-confident" }, "有把握：按下面的段落回答")
    : h("span", { class: "status disabled", "data-testid": "hit-confident" }, "没把握：回复“不敢乱说”，并建议预约窗口或转人工");
  const hits = table([
    { label: "名次", value: (hit) => String(hit.rank) },
    { label: "得分", value: (hit) => hit.score.toFixed(2) },
    { label: "文档 · 段落", value: (hit) => (hit.document_id
      ? h("a", { href: `#/kb?doc=${hit.document_id}` }, hit.title)
      : h("span", {}, hit.title, h("span", { class: "muted" }, "（问答完善里的常见问题）"))) },
    { label: "内容摘要", value: (hit) => hit.snippet },
  ], data.hits.map((hit, n) => ({ ...hit, rank: n + 1 })), { empty: "没有找到相关段落。", testid: "hit-table" });
  fill(box,
    h("div", { class: "card" },
      h("div", { class: "toolbar" }, verdict, withDrafts ? h("span", { class: "mark info" }, "含草稿") : null),
      h("h3", {}, "用户会收到的回复"),
      h("pre", { class: "reply", "data-testid": "hit-reply" }, data.reply),
      data.confident ? h("p", { class: "muted" }, "在公众号里，有把握的回答末尾还会多一行，请用户回复“有用”或“没用”。") : null),
    h("h3", {}, "命中的段落（得分从高到低）"),
    hits);
}
