// 知识库: the documents the bot answers from (shipped with the software or imported by staff),
// their segments with edit / enable / disable, their metadata (文号, 有效期至, 待核对…), publish and
// disable, versions and restore.
// Every staff member reads; county administrators change their county's documents and the
// prefecture administrator every document (GET /staff/meta kb_roles; the server checks again).
import { get, patch, post, upload } from "../api.js";
import { clearFieldErrors, fill, fmtDateTime, h, label, messageSlot, showFieldErrors, statusBadge, table } from "../dom.js";
import { synonymsSection } from "./kb_synonyms.js";

const KB = "/kb";

export async function render(main, ctx) {
  const msg = messageSlot();
  const list = h("div", { "data-testid": "kb-documents" });
  const detail = h("div", { class: "card kb-detail", "data-testid": "kb-detail", hidden: true });
  const writer = ctx.meta.kb_roles.includes(ctx.me.role);
  const state = { selected: selectedFromHash(), documents: [] };

  const reload = async () => {
    try {
      state.documents = (await get(`${KB}/documents`)).documents;
    } catch (err) {
      return msg.error(err);
    }
    fill(list, documentsTable(state.documents, ctx, (doc) => open(doc.id)));
    markSelected(list, state.selected);
    if (state.selected != null) await showDocument(state.selected);
  };
  const open = async (id) => {
    state.selected = id;
    history.replaceState(null, "", `#/kb?doc=${id}`);
    markSelected(list, id);
    await showDocument(id);
  };
  const showDocument = async (id) => {
    const doc = state.documents.find((d) => d.id === id);
    if (!doc) {
      detail.hidden = true;
      return;
    }
    detail.hidden = false;
    await renderDetail(detail, doc, ctx, msg, reload);
  };

  main.append(
    h("p", { class: "muted" },
      "机器人只用“已发布”且未过期的文档回答。导入的文件先成为草稿：预览分段、改好后再发布，几秒内所有进程生效，无需重启。",
      "每次修改都会生成新版本并记入操作日志，任何历史版本都可以恢复。",
      writer ? "" : "窗口工作人员可以查看和做命中测试，修改请联系县市或州级管理员。"),
    msg.el,
    writer ? uploadForm(ctx, msg, async (doc) => { await reload(); await open(doc.id); }) : null,
    synonymsSection(ctx),
    h("div", { class: "split kb-split" }, list, detail),
  );
  await reload();
}

function selectedFromHash() {
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const id = Number(q.get("doc"));
  return Number.isInteger(id) && id > 0 ? id : null;
}

function markSelected(list, id) {
  for (const tr of list.querySelectorAll("tbody tr")) tr.classList.toggle("selected", tr.dataset.id === String(id));
}

// Whether this staff member may change a document of ``county`` (null: the whole prefecture).
function mayChange(ctx, doc) {
  if (!ctx.meta.kb_roles.includes(ctx.me.role)) return false;
  return ctx.me.role === "prefecture" || (doc.county != null && doc.county === ctx.me.county);
}

function marks(doc) {
  return [
    doc.needs_check ? h("span", { class: "mark warn", title: "含译述内容，上线前需对照原文核对" }, "待核对") : null,
    doc.upstream_changed ? h("span", { class: "mark info", title: "软件升级带来了新版文件，因本文档被工作人员改过而未覆盖" }, "有新版未应用") : null,
    doc.expired ? h("span", { class: "mark bad" }, "已过期") : null,
  ];
}

function documentsTable(documents, ctx, onOpen) {
  const statuses = ctx.meta.statuses.kb_document;
  return table([
    { label: "标题", value: (d) => h("span", {}, d.title, " ", marks(d)) },
    { label: "状态", value: (d) => statusBadge(d.status, statuses) },
    { label: "版本", value: (d) => `v${d.version}` },
    { label: "适用范围", value: (d) => d.county || ctx.meta.prefecture },
    { label: "可信度", class: "nowrap", value: (d) => h("span", { class: d.confidence === ctx.meta.kb_confidence[0] ? "" : "warn-text" }, d.confidence) },
    { label: "段落", value: (d) => String(d.segments) },
  ], documents, { empty: "知识库里还没有文档。", testid: "kb-table", onRowClick: (d) => onOpen(d) });
}

// ---------------------------------------------------------------- upload

function uploadForm(ctx, msg, onDone) {
  const countyChoices = [h("option", { value: "" }, ctx.meta.prefecture),
    ...ctx.meta.counties.map((c) => h("option", { value: c, selected: c === ctx.me.county }, c))];
  const form = h("form", { class: "form-grid", "data-testid": "kb-upload", novalidate: true },
    h("label", { class: "wide" }, "文件（.docx .pdf .md .txt .html，或带“问题”“答案”[“依据”]列的 .xlsx/.csv，不超过 20 MB）",
      h("input", { type: "file", name: "file", accept: ".docx,.pdf,.md,.txt,.html,.htm,.xlsx,.csv" })),
    h("label", {}, "标题（空则取文件里的标题）", h("input", { name: "title", maxlength: "200" })),
    h("label", {}, "发文单位", h("input", { name: "issuer", maxlength: "200" })),
    h("label", {}, "文号", h("input", { name: "doc_number", maxlength: "100", placeholder: "例如：楚人社发〔2026〕1号" })),
    h("label", {}, "发布日期", h("input", { type: "date", name: "published_on" })),
    h("label", {}, "原文网址", h("input", { name: "source_url", maxlength: "500", placeholder: "以 http 或 https 开头的网址" })),
    h("label", {}, "可信度", h("select", { name: "confidence" },
      ctx.meta.kb_confidence.map((c) => h("option", { value: c }, c)))),
    h("label", {}, "适用范围", h("select", { name: "county", disabled: ctx.me.role !== "prefecture" }, countyChoices)),
    h("label", {}, "有效期至（可空，过期后不再用于回答）", h("input", { type: "date", name: "valid_until" })),
    h("div", { class: "toolbar wide" }, h("button", { type: "submit", class: "primary" }, "导入为草稿")));
  form.addEventListener("input", () => clearFieldErrors(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const data = new FormData(form);
    const file = form.elements.file.files[0];
    if (!file) return showFieldErrors(form, { file: "请选择要导入的文件" });
    if (ctx.me.role !== "prefecture") data.set("county", ctx.me.county || "");
    for (const [key, value] of [...data.entries()]) if (value === "") data.delete(key);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const { document: doc } = await upload(`${KB}/documents`, data);
      form.reset();
      msg.ok(`已导入「${doc.title}」为草稿，共 ${doc.segments} 段。请预览分段，改好后发布。`);
      await onDone(doc);
    } catch (err) {
      showFieldErrors(form, err.fields);
      msg.error(err);
    } finally {
      button.disabled = false;
    }
  });
  return h("details", { class: "card kb-upload" }, h("summary", {}, "导入文档（点击展开）"), form);
}

// ---------------------------------------------------------------- one document

async function renderDetail(box, doc, ctx, msg, reload) {
  fill(box, h("p", { class: "muted" }, "加载中…"));
  let segments, revisions;
  try {
    [{ segments }, { revisions }] = await Promise.all([
      get(`${KB}/documents/${doc.id}/segments`), get(`${KB}/documents/${doc.id}/revisions`)]);
  } catch (err) {
    return msg.error(err);
  }
  const canChange = mayChange(ctx, doc);
  const act = (path, done) => async (ev) => {
    ev.target.disabled = true;
    try {
      await post(path);
      msg.ok(done);
      await reload();
    } catch (err) {
      ev.target.disabled = false;
      msg.error(err);
    }
  };
  const actions = canChange ? h("div", { class: "toolbar" },
    doc.status !== "published"
      ? h("button", { type: "button", class: "primary", "data-action": "publish",
        onclick: act(`${KB}/documents/${doc.id}/publish`, `已发布「${doc.title}」，几秒内用于回答。`) }, "发布")
      : null,
    doc.status === "published"
      ? h("button", { type: "button", class: "danger", "data-action": "disable",
        onclick: act(`${KB}/documents/${doc.id}/disable`, `已停用「${doc.title}」，几秒内不再用于回答。`) }, "停用文档")
      : null) : null;
  fill(box,
    h("h3", {}, doc.title, " ", marks(doc)),
    h("dl", { class: "detail" },
      h("dt", {}, "状态"), h("dd", {}, statusBadge(doc.status, ctx.meta.statuses.kb_document), ` 第 ${doc.version} 版`),
      h("dt", {}, "发文单位"), h("dd", {}, doc.issuer || "—"),
      h("dt", {}, "文号"), h("dd", {}, doc.doc_number || "—"),
      h("dt", {}, "发布日期"), h("dd", {}, doc.published_on || "—"),
      h("dt", {}, "可信度"), h("dd", {}, doc.confidence,
        doc.confidence === ctx.meta.kb_confidence[0] ? "" : "（回答会注明“以当地人社部门为准”，不当作定论）"),
      h("dt", {}, "适用范围"), h("dd", {}, doc.county || ctx.meta.prefecture),
      h("dt", {}, "有效期至"), h("dd", {}, doc.valid_until || "长期"),
      h("dt", {}, "原文"), h("dd", {}, doc.source_url ? h("a", { href: doc.source_url, target: "_blank", rel: "noopener noreferrer" }, doc.source_url) : "—"),
      h("dt", {}, "来源"), h("dd", {}, doc.origin === "shipped" ? "随软件提供" : "工作人员导入", doc.filename ? `（${doc.filename}）` : ""),
      h("dt", {}, "更新时间"), h("dd", {}, fmtDateTime(doc.updated_at))),
    doc.needs_check ? h("p", { class: "notice info" }, "待核对：本文档含对原文的译述（如金额、年限、比例），上线前请对照原文逐条核对，有误的在段落中修改；核对无误后在“编辑文档信息”中取消“待核对”。") : null,
    doc.upstream_changed ? h("p", { class: "notice info" }, "软件升级带来了本文档的新版，因工作人员改过本文档，新版没有覆盖您的修改。请对照新版手工更新。") : null,
    actions,
    canChange ? editForm(doc, ctx, msg, reload) : null,
    h("h3", {}, `段落（${segments.length}）`),
    h("div", { "data-testid": "kb-segments" }, segments.map((s) => segmentCard(s, canChange, msg, reload))),
    h("h3", {}, "历史版本"),
    revisionsTable(revisions, doc, canChange, msg, reload));
}

// ---------------------------------------------------------------- the document's metadata

const KINDS = { "": "一般政策", tax: "税收政策（只回答关于经营主体纳税的问题）" };
const TEXT_FIELDS = ["title", "issuer", "doc_number", "published_on", "source_url", "confidence", "county", "valid_until",
  "kind", "caveat"];
const CLEARED_AS_NULL = new Set(["published_on", "valid_until", "county"]);

// 编辑文档信息: sends only what changed (PATCH /staff/kb/documents/{id}); the server checks it all again.
function editForm(doc, ctx, msg, reload) {
  const option = (value, text, current) => h("option", { value, selected: value === (current ?? "") }, text);
  const confidences = [...new Set([...ctx.meta.kb_confidence, doc.confidence])];
  const kinds = { ...KINDS, ...(doc.kind in KINDS ? {} : { [doc.kind]: doc.kind }) };
  const date = (name) => h("input", { type: "date", name, min: "2000-01-01", max: "2099-12-31", value: doc[name] || "" });
  const form = h("form", { class: "form-grid", "data-testid": "kb-edit", novalidate: true },
    h("label", { class: "wide" }, "标题", h("input", { name: "title", maxlength: "200", value: doc.title })),
    h("label", {}, "发文单位", h("input", { name: "issuer", maxlength: "200", value: doc.issuer })),
    h("label", {}, "文号", h("input", { name: "doc_number", maxlength: "100", value: doc.doc_number, placeholder: "例如：楚人社发〔2026〕1号" })),
    h("label", {}, "发布日期", date("published_on")),
    h("label", { class: "wide" }, "原文网址", h("input", { name: "source_url", maxlength: "500", value: doc.source_url, placeholder: "以 http 或 https 开头的网址" })),
    h("label", {}, "可信度", h("select", { name: "confidence" }, confidences.map((c) => option(c, c, doc.confidence)))),
    h("label", {}, "适用范围", h("select", { name: "county", disabled: ctx.me.role !== "prefecture" },
      option("", ctx.meta.prefecture, doc.county), ctx.meta.counties.map((c) => option(c, c, doc.county)))),
    h("label", {}, "有效期至（空为长期，过期后不再用于回答）", date("valid_until")),
    h("label", {}, "文档类别", h("select", { name: "kind" }, Object.entries(kinds).map(([v, t]) => option(v, t, doc.kind)))),
    h("label", { class: "wide" }, "答案末尾提示（空则按类别：以当地人社部门/税务局为准）",
      h("input", { name: "caveat", maxlength: "200", value: doc.caveat })),
    h("label", { class: "wide check" }, h("input", { type: "checkbox", name: "needs_check", checked: doc.needs_check }),
      "待核对（需对照原文核对）"),
    h("div", { class: "toolbar wide" }, h("button", { type: "submit", class: "primary" }, "保存文档信息")));
  form.addEventListener("input", () => clearFieldErrors(form));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const changes = {};
    for (const name of TEXT_FIELDS) {
      const value = form.elements[name].value.trim();
      if (value !== (doc[name] ?? "")) changes[name] = value === "" && CLEARED_AS_NULL.has(name) ? null : value;
    }
    if (form.elements.needs_check.checked !== doc.needs_check) changes.needs_check = form.elements.needs_check.checked;
    if (!Object.keys(changes).length) return msg.info("文档信息没有改动。");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const out = await patch(`${KB}/documents/${doc.id}`, changes);
      msg.ok(`已保存「${out.title}」的文档信息（第 ${out.version} 版${out.status === "published" ? "，几秒内用于回答" : ""}）。`);
      await reload();
    } catch (err) {
      button.disabled = false;
      showFieldErrors(form, err.fields);
      msg.error(err);
    }
  });
  return h("details", { class: "card kb-edit" }, h("summary", {}, "编辑文档信息"), form);
}

const QUESTIONS_HINT = "相似问法：老百姓会怎么问这一段（每行一个，最多 20 条）。只用于找到这一段，不出现在回答里。";

function segmentCard(seg, canChange, msg, reload) {
  const body = h("div", { class: "segment-text" }, seg.text,
    seg.questions && seg.questions.length
      ? h("p", { class: "muted segment-questions", "data-testid": "kb-segment-questions", title: QUESTIONS_HINT },
        `相似问法：${seg.questions.join("｜")}`)
      : null);
  const card = h("div", { class: `segment${seg.enabled ? "" : " off"}`, "data-testid": "kb-segment", dataset: { id: String(seg.id) } },
    h("div", { class: "segment-head" },
      h("strong", {}, `${seg.position}. ${seg.heading || "（无小标题）"}`),
      seg.enabled ? null : h("span", { class: "mark bad" }, "本段不用于回答"),
      h("span", { class: "spacer" }),
      h("span", { class: seg.useless_count ? "usage warn-text" : "muted usage", title: "用它回答的次数，其中被用户评为“没用”的次数" },
        `用了 ${seg.used_count} 次，${seg.useless_count} 次被评没用`)),
    body);
  if (!canChange) return card;
  const save = async (changes, done) => {
    try {
      const out = await patch(`/kb/segments/${seg.id}`, changes);
      msg.ok(`${done}（文档第 ${out.document.version} 版${out.document.status === "published" ? "，几秒内用于回答" : ""}）`);
      await reload();
    } catch (err) {
      msg.error(err);
      return err;
    }
    return null;
  };
  const edit = () => {
    const form = h("form", { class: "segment-edit", novalidate: true },
      h("label", {}, "小标题", h("input", { name: "heading", maxlength: "200", value: seg.heading })),
      h("label", {}, "内容", h("textarea", { name: "text", maxlength: "2000", rows: "6" }, seg.text)),
      h("label", { title: QUESTIONS_HINT }, "相似问法（每行一个）",
        h("textarea", { name: "questions", rows: "4", placeholder: "例如：咋个报名\n报名要带哪样" },
          (seg.questions || []).join("\n"))),
      h("div", { class: "toolbar" },
        h("button", { type: "submit", class: "primary small" }, "保存"),
        h("button", { type: "button", class: "small", onclick: () => form.replaceWith(body) }, "取消")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const questions = form.elements.questions.value.split("\n").map((q) => q.trim()).filter(Boolean);
      const err = await save({ heading: form.elements.heading.value.trim(), text: form.elements.text.value.trim(),
        questions }, "段落已保存");
      if (err) showFieldErrors(form, err.fields);
    });
    body.replaceWith(form);
    form.elements.text.focus();
  };
  card.querySelector(".segment-head").append(
    h("button", { type: "button", class: "small", "data-action": "edit", onclick: edit }, "编辑"),
    h("button", { type: "button", class: "small", "data-action": "toggle",
      onclick: () => save({ enabled: !seg.enabled }, seg.enabled ? "已停用该段" : "已启用该段") },
    seg.enabled ? "停用此段" : "启用此段"));
  return card;
}

const ACTIONS = {
  import: "导入", shipped: "随软件导入", shipped_update: "随软件升级", segment_edit: "修改段落", document_edit: "修改文档信息",
  publish: "发布", disable: "停用", restore: "恢复旧版本",
};

function revisionsTable(revisions, doc, canChange, msg, reload) {
  const columns = [
    { label: "版本", value: (r) => `v${r.version}` },
    { label: "操作", value: (r) => label(ACTIONS, r.action) },
    { label: "时间", value: (r) => fmtDateTime(r.created_at) },
  ];
  if (canChange) {
    columns.push({ label: "", class: "actions", value: (r) => (r.version === doc.version ? "当前" : h("button", {
      type: "button", class: "small", "data-action": "restore",
      onclick: async () => {
        try {
          const out = await post(`${KB}/documents/${doc.id}/restore`, { version: r.version });
          msg.ok(`已恢复第 ${r.version} 版的内容，成为第 ${out.document.version} 版。`);
          await reload();
        } catch (err) {
          msg.error(err);
        }
      } }, "恢复此版")) });
  }
  return table(columns, revisions, { empty: "没有历史版本。", testid: "kb-revisions" });
}
