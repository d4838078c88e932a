// 通知失败: notifications that failed after the last automatic try, retried by hand.
import { get, post, query } from "../api.js";
import { fmtDateTime, h, label, messageSlot, statusBadge, table } from "../dom.js";

export async function render(main, ctx) {
  const msg = messageSlot();
  const box = h("div");
  const reload = () => load(box, msg, reload, ctx.meta.channels);
  main.append(
    h("p", { class: "muted" }, "自动重试用尽仍未送达的通知列在这里。确认原因（如对方未关注公众号、未授权订阅消息）后可手动重试。"),
    msg.el,
    box,
  );
  await reload();
}

async function load(box, msg, reload, channels) {
  let rows;
  try {
    rows = (await get(`/notifications${query({ status: "failed" })}`)).notifications;
  } catch (err) {
    box.replaceChildren();
    return msg.error(err);
  }
  const columns = [
    { label: "创建时间", value: (r) => fmtDateTime(r.created_at) },
    { label: "类型", value: (r) => r.kind_label },
    { label: "渠道", value: (r) => label(channels, r.channel) },
    { label: "接收方", value: (r) => r.recipient },
    { label: "县市", value: (r) => r.county },
    { label: "尝试次数", value: (r) => String(r.attempts) },
    { label: "失败原因", value: (r) => r.last_error },
    { label: "状态", value: (r) => statusBadge(r.status, { [r.status]: r.status_label }) },
    { label: "操作", class: "actions", value: (r) => retryButton(r, msg, reload) },
  ];
  box.replaceChildren(table(columns, rows, { empty: "没有发送失败的通知。", testid: "failed-notifications" }));
}

function retryButton(row, msg, reload) {
  if (row.status !== "failed") return "";
  return h("button", {
    type: "button",
    class: "small primary",
    onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        await post(`/notifications/${row.id}/retry`);
        msg.ok(`已重新加入发送队列（${row.kind_label}，${row.recipient}），稍后刷新查看结果。`);
        await reload();
      } catch (err) {
        ev.target.disabled = false;
        msg.error(err);
      }
    },
  }, "重试");
}
