// Console shell: login, logout, navigation and a hash router (#/agenda, #/review, ...).
// The names and lists the server owns (counties, status names, roles, plan targets) come from
// GET /staff/meta once per login, as ctx.meta; no page keeps its own copy.
import { get, post, token } from "./api.js";
import { h, notice } from "./dom.js";

// Each page module exports render(main, ctx); `roles` limits a page to those staff roles.
const PAGES = [
  { path: "agenda", title: "今日预约", module: "./pages/agenda.js" },
  { path: "review", title: "审核", module: "./pages/review.js" },
  { path: "handoff", title: "人工服务", module: "./pages/handoff.js" },
  { path: "faq", title: "问答完善", module: "./pages/faq.js" },
  { path: "kb", title: "知识库", module: "./pages/kb.js" },
  { path: "hit-test", title: "命中测试", module: "./pages/hittest.js" },
  { path: "dashboard", title: "进度看板", module: "./pages/dashboard.js" },
  { path: "mentors", title: "导师帮扶", module: "./pages/mentors.js" },
  { path: "registry", title: "登记", module: "./pages/registry.js" },
  { path: "events", title: "创业活动", module: "./pages/events.js" },
  { path: "export", title: "导出台账", module: "./pages/exports.js" },
  { path: "notifications", title: "通知失败", module: "./pages/notifications.js" },
  { path: "bind", title: "绑定微信", module: "./pages/bind.js" },
  { path: "locks", title: "账号解锁", module: "./pages/locks.js", roles: ["county", "prefecture"] },
];
// A mentor's own login opens only their mentees and the WeChat binding.
const MENTOR_PAGES = ["mentors", "bind"];
// The pages this staff member's role may open (a page without roles is for every role but mentor).
const pagesFor = (me) => PAGES.filter((p) => (me && me.role === "mentor"
  ? MENTOR_PAGES.includes(p.path)
  : !p.roles || (me && p.roles.includes(me.role))));

const $ = (id) => document.getElementById(id);
const ctx = { me: null, meta: null };

function showLogin(message) {
  $("app-view").hidden = true;
  $("login-view").hidden = false;
  const err = $("login-error");
  err.textContent = message || "";
  err.hidden = !message;
  $("login-form").elements.username.focus();
}

async function onLogin(ev) {
  ev.preventDefault();
  const form = ev.target;
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  if (!username || !password) return showLogin("请输入用户名和密码");
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const data = await post("/login", { username, password });
    token.set(data.token);
    form.elements.password.value = "";
    await enter();
  } catch (err) {
    showLogin(err.message);
  } finally {
    button.disabled = false;
  }
}

async function onLogout() {
  try {
    await post("/logout");
  } catch {
    // The session may already be over; forgetting the token is what matters here.
  }
  token.clear();
  ctx.me = null;
  ctx.meta = null;
  showLogin("已退出登录");
}

function whoText(me) {
  const name = me.display_name || me.username;
  const where = me.window_name || me.county || "";
  return [name, me.role_label, where].filter(Boolean).join(" · ");
}

async function enter() {
  try {
    [ctx.me, ctx.meta] = await Promise.all([get("/me"), get("/meta")]);
  } catch (err) {
    return showLogin(err.message);
  }
  $("who").textContent = whoText(ctx.me);
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  buildNav();
  route();
}

function buildNav() {
  $("nav").replaceChildren(...pagesFor(ctx.me).map((p) => h("a", { href: `#/${p.path}`, dataset: { page: p.path } }, p.title)));
}

function currentPage() {
  const path = location.hash.replace(/^#\/?/, "").split("?")[0];
  const pages = pagesFor(ctx.me);
  return pages.find((p) => p.path === path) || pages[0];
}

async function route() {
  if (!token.get() || !ctx.me || !ctx.meta) return;
  const page = currentPage();
  for (const a of $("nav").querySelectorAll("a")) a.classList.toggle("active", a.dataset.page === page.path);
  document.title = `${page.title} · 创业幸福地控制台`;
  const main = $("main");
  main.replaceChildren(h("h2", {}, page.title), h("p", { class: "muted" }, "加载中…"));
  try {
    const mod = await import(page.module);
    if (currentPage() !== page) return;
    main.replaceChildren(h("h2", {}, page.title));
    await mod.render(main, ctx);
  } catch (err) {
    main.append(notice("error", err.message || "页面加载失败，请刷新重试"));
  }
}

window.addEventListener("staff-session-ended", (ev) => {
  ctx.me = null;
  ctx.meta = null;
  showLogin(ev.detail || "登录已过期，请重新登录");
});
window.addEventListener("hashchange", route);
$("login-form").addEventListener("submit", onLogin);
$("logout").addEventListener("click", onLogout);

if (token.get()) enter();
else showLogin();
