// 绑定微信: a one-time code the staff member sends to the official account to receive notifications.
import { get } from "../api.js";
import { fmtTime, h, messageSlot } from "../dom.js";

export async function render(main, ctx) {
  const msg = messageSlot();
  const box = h("div", { class: "card", "data-testid": "bind-card" });
  const bound = ctx.me.wechat_bound;
  main.append(
    h("p", { class: bound ? "" : "muted" }, bound
      ? "您的账号已绑定微信，新预约、取消等通知会发送到您的微信。重新绑定会替换原来的微信。"
      : "绑定后，本窗口的新预约、取消预约等通知会通过公众号发送到您的微信。"),
    msg.el,
    box,
    h("p", {}, h("button", { type: "button", onclick: () => showCode(box, msg) }, "重新获取绑定码")),
  );
  await showCode(box, msg);
}

async function showCode(box, msg) {
  msg.clear();
  let data;
  try {
    data = await get("/bind-code");
  } catch (err) {
    box.replaceChildren();
    return msg.error(err);
  }
  const code = String(data.code);
  const expires = data.expires_at ? `，${fmtTime(data.expires_at)} 前有效` : "";
  box.replaceChildren(
    h("div", {}, "您的一次性绑定码"),
    h("div", { class: "bind-code", "data-testid": "bind-code" }, code),
    h("p", {}, "请用要接收通知的微信，", h("strong", {}, `向公众号发送「绑定 ${code}」`), `（只能使用一次${expires}）。`),
    h("p", { class: "muted" }, "公众号回复绑定成功后即可收到通知。"),
  );
}
