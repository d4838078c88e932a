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
  const counties = stats.counties || [];
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
  main.append(
    h("h3", {}, "各县市实际数"), h("p", { class: "muted" }, stats.county_note || ""), countyTable(targets, counties),
    h("h3", {}, "指标与统计口径"), h("p", { class: "muted" }, stats.funnel_note || ""), definitions(targets, funnel),
  );
  try {
    const echarts = await loadECharts();
    drawAll(echarts, charts, targets, funnel, counties);
  } catch (err) {
    main.prepend(notice("error", err.message));
  }
}

function scopeLine(stats) {
  const parts = [stats.as_of && `统计时间 ${fmtDateTime(stats.as_of)}`, stats.source && `目标来源：${stats.source}`];
  if (stats.demo_windows) parts.push(`其中 ${stats.demo_windows} 个窗口的地址、电话为演示数据`);
  return parts.filter(Boolean).join("；");
}

function kpi(t) {
  const target = t.target_max && t.target_max !== t.target ? `${t.target}–${t.target_max}` : fmtNumber(t.target);
  return h("div", { class: "kpi", title: t.definition || "" },
    h("div", { class: "label" }, t.label),
    h("div", { class: "value" }, fmtNumber(t.actual), h("small", {}, ` ${t.unit || ""}`)),
    h("div", { class: "target" }, `目标 ${target}${t.unit || ""}，完成 ${t.percent ?? 0}%`));
}

const SHORT = {
  loan_backed: "贷款扶持创业者", jobs: "带动就业", trained: "培训录取", windows: "窗口", guidance_teams: "指导团队",
  mentors: "导师", bases: "孵化基地", towns: "小镇", communities: "社区", villages: "村落",
};

function countyTable(targets, counties) {
  const funnel = (key) => (c) => fmtNumber((c.funnel || {})[key] ?? 0);
  const columns = [
    { label: "县市", value: (c) => c.county },
    ...targets.map((t) => ({ label: SHORT[t.key] || t.label, value: (c) => fmtNumber(c[t.key] ?? 0) })),
    { label: "预申请", value: funnel("pre_applications") },
    { label: "窗口预约", value: funnel("appointments") },
    { label: "已签到", value: funnel("attended") },
    { label: "审核决定", value: funnel("decisions") },
  ];
  const el = table(columns, counties, { testid: "county-table" });
  el.classList.add("compact");
  return el;
}

function definitions(targets, funnel) {
  const rows = [...targets.map((t) => ({ ...t, group: "方案目标" })), ...funnel.map((f) => ({ ...f, group: "服务漏斗", actual: f.count }))];
  return table(
    [
      { label: "类别", value: (r) => r.group },
      { label: "指标", value: (r) => r.label },
      { label: "目标", value: (r) => (r.target == null ? "" : `${fmtNumber(r.target)}${r.target_max ? `–${fmtNumber(r.target_max)}` : ""}`) },
      { label: "实际", value: (r) => fmtNumber(r.actual) },
      { label: "统计口径", value: (r) => r.definition },
    ],
    rows,
    { testid: "stats-table" },
  );
}

function drawAll(echarts, charts, targets, funnel, counties) {
  const tracked = targets.filter((t) => t.target);
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
    grid: { left: 150, right: 80, top: 40, bottom: 24 },
    tooltip: { trigger: "axis", formatter: (ps) => { const t = items[ps[0].dataIndex]; return `${esc(t.label)}<br>实际 ${fmtNumber(t.actual)} / 目标 ${fmtNumber(t.target)}（${pct(t)}%）`; } },
    xAxis: { type: "value", max: (v) => Math.max(100, Math.ceil(v.max / 10) * 10), axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: items.map((t) => t.label) },
    series: [{ type: "bar", data: items.map(pct), barMaxWidth: 16, label: { show: true, position: "right", formatter: (p) => `${fmtNumber(items[p.dataIndex].actual)} / ${fmtNumber(items[p.dataIndex].target)}` }, markLine: { silent: true, symbol: "none", data: [{ xAxis: 100 }], label: { formatter: "目标", position: "start" } } }],
  };
}

// The stages in order as bars: the counts need not shrink from stage to stage (people ask,
// book and apply in any order), so a funnel-shaped drawing would mislead.
function funnelOption(stages) {
  return {
    title: title("服务漏斗（全州累计）"),
    grid: { left: 150, right: 50, top: 40, bottom: 24 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: stages.map((s) => s.label) },
    series: [{ type: "bar", name: "人次", data: stages.map((s) => s.count), barMaxWidth: 22, itemStyle: { color: "#2e8b57" }, label: { show: true, position: "right" } }],
  };
}

// Per county: the people-counting targets and the visits, side by side.
const COUNTY_SERIES = [
  { key: "loan_backed", label: "贷款扶持创业者" },
  { key: "jobs", label: "带动就业" },
  { key: "trained", label: "培训录取" },
  { key: "appointments", label: "窗口预约", funnel: true },
  { key: "attended", label: "到窗口办理", funnel: true },
];

function countiesOption(counties) {
  const value = (c, s) => (s.funnel ? (c.funnel || {})[s.key] : c[s.key]) ?? 0;
  return {
    title: title("各县市进展"),
    legend: { top: 4, right: 10 },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, top: 44, bottom: 30 },
    xAxis: { type: "category", data: counties.map((c) => c.county), axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: COUNTY_SERIES.map((s) => ({ type: "bar", name: s.label, data: counties.map((c) => value(c, s)) })),
  };
}
