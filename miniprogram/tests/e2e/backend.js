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
  return { base, standin: `http://127.0.0.1:${standinPort}`, dir, stop };
}

module.exports = { startBackend, REPO };
