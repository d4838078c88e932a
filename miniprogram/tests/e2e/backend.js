// Starts the real backend for the end-to-end tests: `chuangye standin` (the WeChat API stand-in) and
// `chuangye serve` on free ports, with a temporary SQLite database migrated and seeded.
const { spawn, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '../../..');

function chuangyeBin() {
  const candidates = [process.env.CHUANGYE_BIN, path.join(REPO, '.venv/bin/chuangye')].filter(Boolean);
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error('找不到后端命令 chuangye：请先在仓库根目录运行 `make dev-venv`（或设置环境变量 CHUANGYE_BIN）');
  }
  return found;
}

const STAFF = { username: 'e2e-bureau', password: 'e2e-bureau-password-2026' };

// JSON over Node's http client (what a bureau's console does), outside the mini-program's code.
function request(base, method, urlPath, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const url = new URL(`${base}/api/v1${urlPath}`);
    const req = http.request({
      hostname: url.hostname, port: url.port, path: url.pathname + url.search, method,
      headers: { 'Content-Type': 'application/json', ...(data ? { 'Content-Length': data.length } : {}), ...(headers || {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = text;
        try { json = JSON.parse(text); } catch (e) { /* not JSON */ }
        resolve({ status: res.statusCode, body: json });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// Staff calls as the bureau's prefecture account: staff('POST', '/staff/events', {...}) → {status, body}.
function staffClient(base) {
  let token = null;
  let seq = 0;
  return async (method, urlPath, body) => {
    if (!token) {
      const res = await request(base, 'POST', '/staff/login', STAFF);
      if (res.status !== 200) throw new Error(`staff login: ${res.status} ${JSON.stringify(res.body)}`);
      token = res.body.token;
    }
    seq += 1;
    return request(base, method, urlPath, body, { Authorization: `Bearer ${token}`, 'Idempotency-Key': `e2e-staff-${Date.now()}-${seq}` });
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  for (;;) {
    const status = await new Promise((resolve) => {
      http.get(url, (res) => { res.resume(); resolve(res.statusCode); }).on('error', () => resolve(0));
    });
    if (status && status < 500) return;
    if (Date.now() > until) throw new Error(`后端没有在 ${ms / 1000} 秒内启动：${url}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function startBackend() {
  const bin = chuangyeBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chuangye-mp-'));
  const [apiPort, standinPort] = [await freePort(), await freePort()];
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, [
    `server: {host: 127.0.0.1, port: ${apiPort}}`,
    `database: {url: "sqlite://${dir}/test.sqlite3"}`,
    'redis: {url: null}',
    'wechat:',
    `  api_base_url: "http://127.0.0.1:${standinPort}"`,
    'security:',
    '  secret_key: "miniprogram-e2e-secret-key-0123456789"',
    '  data_key: "ZGV2LW9ubHktZGF0YS1rZXktY2hhbmdlLW1lLTMyYnk="',
    `knowledge: {dir: "${path.join(REPO, 'knowledge/docs')}"}`,
    'logging: {level: WARNING, json: false}',
    '',
  ].join('\n'));
  const env = { ...process.env, CHUANGYE_CONFIG: configPath };
  const opts = { cwd: REPO, env, stdio: 'pipe' };
  execFileSync(bin, ['--config', configPath, 'migrate'], opts);
  execFileSync(bin, ['--config', configPath, 'seed-demo'], opts);
  // A prefecture staff account, for what only the bureau does (events, mentors, assigning a mentor).
  execFileSync(bin, ['--config', configPath, 'staff', 'add', '--username', STAFF.username, '--role', 'prefecture', '--password-stdin'],
    { ...opts, input: `${STAFF.password}\n` });
  const log = fs.openSync(path.join(dir, 'backend.log'), 'a');
  const procs = [
    spawn(bin, ['standin', '--port', String(standinPort)], { cwd: REPO, env, stdio: ['ignore', log, log] }),
    spawn(bin, ['--config', configPath, 'serve', '--port', String(apiPort)], { cwd: REPO, env, stdio: ['ignore', log, log] }),
  ];
  const base = `http://127.0.0.1:${apiPort}`;
  const stop = () => Promise.all(procs.map((p) => new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) { resolve(); return; }
    p.once('exit', resolve);
    p.kill('SIGTERM');
  }))).then(() => fs.closeSync(log));
  try {
    await waitFor(`http://127.0.0.1:${standinPort}/_standin/calls`, 30000);
    await waitFor(`${base}/api/v1/openapi.json`, 30000);
  } catch (e) {
    await stop();
    throw new Error(`${e.message}\n${fs.readFileSync(path.join(dir, 'backend.log'), 'utf8').slice(-2000)}`);
  }
  return { base, standin: `http://127.0.0.1:${standinPort}`, dir, stop, staff: staffClient(base) };
}

module.exports = { startBackend, REPO };
