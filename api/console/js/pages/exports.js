// 导出台账: Excel exports of appointments and applications, downloaded with the staff token.
import { download } from "../api.js";
import { h, messageSlot } from "../dom.js";

const NOTES = {
  appointments: "窗口预约及签到情况",
  "loan-applications": "创业担保贷款、云岭创业贷预申请及审核结果",
  "training-applications": "培训报名及审核结果",
  "carrier-applications": "创业载体入驻申请及审核结果",
  "event-registrations": "创业活动报名及签到情况",
};

export async function render(main, ctx) {
  const msg = messageSlot();
  const exports = Object.entries(ctx.meta.exports).map(([name, title]) => ({ name, title, note: NOTES[name] || "" }));
  main.append(
    h("p", { class: "muted" }, "导出本人权限范围内的记录（Excel 格式）。个人信息按账号权限脱敏，每次导出都会记入审计日志。"),
    msg.el,
    h("div", { class: "toolbar" }, exports.map((e) => exportCard(e, msg))),
  );
}

function exportCard(item, msg) {
  const button = h("button", { type: "button", class: "primary", "data-export": item.name }, `导出${item.title}`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    msg.info(`正在导出${item.title}…`);
    try {
      const file = await download(`/export/${item.name}.xlsx`, `${item.name}.xlsx`);
      msg.ok(`已下载 ${file}`);
    } catch (err) {
      msg.error(err);
    } finally {
      button.disabled = false;
    }
  });
  return h("div", { class: "card" }, h("h3", {}, item.title), h("p", { class: "muted" }, item.note), button);
}
