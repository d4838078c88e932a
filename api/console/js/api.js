// The staff API client: bearer token from sessionStorage, Chinese errors from error.message.

const BASE = "/api/v1/staff";
const TOKEN_KEY = "chuangye.staff.token";

export class ApiError extends Error {
  constructor(status, code, message, fields) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function headers(extra = {}) {
  const out = { Accept: "application/json", ...extra };
  const t = token.get();
  if (t) out.Authorization = `Bearer ${t}`;
  return out;
}

async function send(method, path, body, accept) {
  const init = { method, headers: headers(accept ? { Accept: accept } : {}), cache: "no-store" };
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser writes the Content-Type with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0, "network", "无法连接服务器，请检查网络后重试");
  }
  if (resp.ok) return resp;
  const data = await resp.json().catch(() => null);
  const err = data && data.error ? data.error : {};
  const apiError = new ApiError(resp.status, err.code, err.message || `请求失败（HTTP ${resp.status}）`, err.fields);
  if (resp.status === 401 && path !== "/login") {
    token.clear();
    window.dispatchEvent(new CustomEvent("staff-session-ended", { detail: apiError.message }));
  }
  throw apiError;
}

export async function request(method, path, body) {
  const resp = await send(method, path, body);
  if (resp.status === 204) return {};
  return resp.json();
}

export const get = (path) => request("GET", path);
export const post = (path, body = {}) => request("POST", path, body);
export const patch = (path, body = {}) => request("PATCH", path, body);
// Sends a FormData (a file upload) as multipart/form-data.
export const upload = (path, form) => request("POST", path, form);

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v != null) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : "";
}

function filenameFrom(resp, fallback) {
  const cd = resp.headers.get("Content-Disposition") || "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(cd);
  return plain ? plain[1] : fallback;
}

// Downloads a file with the token (a plain link could not send the Authorization header).
export async function download(path, fallbackName) {
  const resp = await send("GET", path, undefined, "*/*");
  const blob = await resp.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filenameFrom(resp, fallbackName);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return a.download;
}
