// 进度看板: the plan's 2024 targets against actual counts, per county, and the service funnel.
import { get } from "../api.js";
import { fmtDateTime, fmtNumber, h, messageSlot, notice, table } from "../dom.js";
import { loadECharts } from "../echarts.js";

export async function render(main) {
  const msg = messageSlot();
  main.append(msg.el);
  let stats;
  try {
    stats = await get("/stats");
  } catch (err) {
    return msg.error(err);
  }
  const targets = stats.targets || [];
  const funnel = stats.funnel || [];
  const counties = stats.counties || stats.per_county || [];
  main.append(
    h("p", { class: "muted" }, scopeLine(stats)),
    h("div", { class: "kpis", "data-testid": "kpis" }, targets.map(kpi)),
  );
  const charts = {
    targets: h("div", { class: "chart card", "data-testid": "chart-targets" }),
    funnel: h("div", { class: "chart card", "data-testid": "chart-funnel" }),
    counties: h("div", { class: "chart card wide", "data-testid": "chart-counties" }),
  };
  main.append(h("div", { class: "charts" }, charts.targets, charts.funnel, charts.counties));
  main.append(h("h3", {}, "口径说明"), definitions(targets, funnel));
  try {
    const echarts = await loadECharts();
    drawAll(echarts, charts, targets, funnel, counties);
  } catch (err) {
    main.prepend(notice("error", err.message));
  }
}

function scopeLine(stats) {
  const scope = stats.scope_label || stats.scope || "";
  const at = stats.generated_at ? `统计时间 ${fmtDateTime(stats.generated_at)}` : "";
  return [scope && `统计范围：${scope}`, at, "目标为《楚雄州特色创业平台建设专项行动方案》2024 年目标"].filter(Boolean).join("　");
}

function kpi(t) {
  const target = t.target_label || (t.target_max && t.target_max !== t.target ? `${t.target}–${t.target_max}` : fmtNumber(t.target));
  const actual = t.tracked === false || t.actual == null ? "未统计" : fmtNumber(t.actual);
  return h("div", { class: "kpi" },
    h("div", { class: "label" }, t.label),
    h("div", { class: "value" }, actual),
    h("div", { class: "target" }, `目标 ${target}${t.unit || ""}`));
}

function definitions(targets, funnel) {
  const rows = [...targets.map((t) => ({ ...t, group: "目标" })), ...funnel.map((f) => ({ ...f, group: "服务漏斗", actual: f.count ?? f.value }))];
  return table(
    [
      { label: "类别", value: (r) => r.group },
      { label: "指标", value: (r) => r.label },
      { label: "目标", value: (r) => (r.target == null ? "" : fmtNumber(r.target)) },
      { label: "实际", value: (r) => (r.tracked === false || r.actual == null ? "未统计" : fmtNumber(r.actual)) },
      { label: "口径", value: (r) => r.definition || r.note },
    ],
    rows,
    { testid: "stats-table" },
  );
}

function drawAll(echarts, charts, targets, funnel, counties) {
  const tracked = targets.filter((t) => t.tracked !== false && t.actual != null && t.target);
  const opts = [
    [charts.targets, targetsOption(tracked)],
    [charts.funnel, funnelOption(funnel)],
    [charts.counties, countiesOption(counties)],
  ];
  for (const [el, option] of opts) {
    const chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    new ResizeObserver(() => chart.resize()).observe(el);
  }
}

// Tooltips are HTML: escape the texts that come from the API.
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const title = (text) => ({ text, left: 8, top: 4, textStyle: { fontSize: 14 } });

// Bars as a share of each target, so 10 windows and 10000 trainees fit one axis.
function targetsOption(items) {
  const pct = (t) => Math.round((1000 * t.actual) / t.target) / 10;
  return {
    title: title("目标完成情况（实际 / 目标）"),
    grid: { left: 110, right: 50, top: 40, bottom: 30 },
    tooltip: { trigger: "axis", formatter: (ps) => { const t = items[ps[0].dataIndex]; return `${esc(t.label)}<br>实际 ${fmtNumber(t.actual)} / 目标 ${fmtNumber(t.target)}（${pct(t)}%）`; } },
    xAxis: { type: "value", max: (v) => Math.max(100, Math.ceil(v.max / 10) * 10), axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: items.map((t) => t.label) },
    series: [{ type: "bar", data: items.map(pct), barMaxWidth: 16, label: { show: true, position: "right", formatter: (p) => fmtNumber(items[p.dataIndex].actual) }, markLine: { silent: true, symbol: "none", data: [{ xAxis: 100 }], label: { formatter: "目标" } } }],
  };
}

function funnelOption(stages) {
  const data = stages.map((s) => ({ name: s.label, value: s.count ?? s.value ?? 0 }));
  return {
    title: title("服务漏斗"),
    tooltip: { trigger: "item", formatter: "{b}：{c}" },
    series: [{ type: "funnel", top: 40, bottom: 10, left: "10%", width: "80%", sort: "none", minSize: "8%", label: { position: "inside", formatter: "{b} {c}" }, data }],
  };
}

function countiesOption(counties) {
  const metrics = countyMetrics(counties);
  return {
    title: title("各县市进展"),
    legend: { top: 4, right: 10 },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: counties.map((c) => c.county || c.name) },
    yAxis: { type: "value", minInterval: 1 },
    series: metrics.map((m) => ({ type: "bar", name: m.label, data: counties.map((c) => valueOf(c, m.key)) })),
  };
}

// Per-county rows carry {county, <metric>: n} or {county, metrics: [{key, label, actual}]}.
function countyMetrics(counties) {
  const first = counties[0] || {};
  if (Array.isArray(first.metrics)) return first.metrics.map((m) => ({ key: m.key, label: m.label }));
  return Object.keys(first).filter((k) => typeof first[k] === "number").map((k) => ({ key: k, label: k }));
}

function valueOf(county, key) {
  if (Array.isArray(county.metrics)) {
    const m = county.metrics.find((x) => x.key === key);
    return m ? m.actual ?? m.value ?? 0 : 0;
  }
  return county[key] ?? 0;
}
