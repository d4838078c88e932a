// 账号解锁 (county and prefecture administrators): staff accounts locked after many wrong
// passwords from many addresses, with an unlock button (each unlock is written to the audit log).
import { get, post } from "../api.js";
import { fmtDateTime, h, messageSlot, table } from "../dom.js";

export async function render(main) {
  const msg = messageSlot();
  const box = h("div");
  const reload = () => load(box, msg, reload);
  main.append(
    h("p", { class: "muted" },
      "同一账号从多个来源累计多次密码错误后会被锁定，到期自动解锁。确认是本人忘记密码（而不是有人猜密码）后，可在此提前解锁。" +
      "单个来源连续错误只会被暂缓登录，不会锁定账号。"),
    msg.el,
    box,
  );
  await reload();
}

async function load(box, msg, reload) {
  let rows;
  try {
    rows = (await get("/accounts/locked")).accounts;
  } catch (err) {
    box.replaceChildren();
    return msg.error(err);
  }
  const columns = [
    { label: "用户名", value: (r) => r.username },
    { label: "姓名", value: (r) => r.display_name },
    { label: "角色", value: (r) => r.role_label },
    { label: "县市", value: (r) => r.county },
    { label: "锁定至", value: (r) => fmtDateTime(r.locked_until) },
    { label: "操作", class: "actions", value: (r) => unlockButton(r, msg, reload) },
  ];
  box.replaceChildren(table(columns, rows, { empty: "没有被锁定的账号。", testid: "locked-accounts" }));
}

function unlockButton(row, msg, reload) {
  return h("button", {
    type: "button",
    class: "small primary",
    onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        await post(`/accounts/${row.id}/unlock`);
        msg.ok(`已解锁账号 ${row.username}，可以重新登录。`);
        await reload();
      } catch (err) {
        ev.target.disabled = false;
        msg.error(err);
      }
    },
  }, "解锁");
}
