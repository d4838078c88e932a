// 进度看板: the plan's 2024 targets against actual counts, per county, and the service funnel.
import { get } from "../api.js";
import { fmtDateTime, fmtNumber, h, messageSlot, notice, table } from "../dom.js";
import { loadECharts } from "../echarts.js";

export async function render(main, ctx) {
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
  const short = Object.fromEntries(ctx.meta.targets.map((t) => [t.key, t.short_label]));
  main.append(
    h("p", { class: "muted" }, scopeLine(stats)),
    h("div", { class: "kpis", "data-testid": "kpis" }, targets.map(kpi)),
    h("h3", {}, "创业活动"), h("p", { class: "muted" }, stats.events_note || ""),
    h("div", { class: "kpis", "data-testid": "event-kpis" }, (stats.events || []).map(eventKpi)),
    h("h3", {}, "导师帮扶与载体入驻"), h("p", { class: "muted" }, stats.carrier_services_note || ""),
    h("div", { class: "kpis", "data-testid": "service-kpis" }, [
      ...mentorKpis(stats.mentor_help),
      ...(stats.carrier_services || []).map((s) => eventKpi({ ...s, unit: "件" })),
    ]),
  );
  const charts = {
    targets: h("div", { class: "chart card", "data-testid": "chart-targets" }),
    funnel: h("div", { class: "chart card", "data-testid": "chart-funnel" }),
    counties: h("div", { class: "chart card wide", "data-testid": "chart-counties" }),
  };
  main.append(h("div", { class: "charts" }, charts.targets, charts.funnel, charts.counties));
  main.append(
    h("h3", {}, "各县市实际数"), h("p", { class: "muted" }, stats.county_note || ""), countyTable(targets, funnel, counties, short),
    h("h3", {}, "指标与统计口径"), h("p", { class: "muted" }, stats.funnel_note || ""), definitions(targets, funnel),
  );
  try {
    const echarts = await loadECharts();
    drawAll(echarts, charts, targets, funnel, counties, short);
  } catch (err) {
    main.prepend(notice("error", err.message));
  }
}

function scopeLine(stats) {
  const parts = [stats.as_of && `统计时间 ${fmtDateTime(stats.as_of)}`, stats.source && `目标来源：${stats.source}`];
  if (stats.demo_windows) parts.push(`其中 ${stats.demo_windows} 个窗口的地址、电话为演示数据`);
  return parts.filter(Boolean).join("；");
}

// Mentor help counts (the plan's 200 guided businesses is a target above; these are the workload).
function mentorKpis(m) {
  if (!m) return [];
  return [["找导师申请", m.requests], ["尚未分配", m.waiting], ["已分配导师", m.assigned], ["帮扶记录", m.follow_ups]]
    .map(([label, count]) => eventKpi({ label, count, unit: "件" }));
}

function eventKpi(e) {
  return h("div", { class: "kpi", title: e.definition || "" },
    h("div", { class: "label" }, e.label),
    h("div", { class: "value" }, fmtNumber(e.count), h("small", {}, ` ${e.unit || ""}`)),
    h("div", { class: "target" }, "方案未设目标"));
}

function kpi(t) {
  const target = t.target_max && t.target_max !== t.target ? `${t.target}–${t.target_max}` : fmtNumber(t.target);
  return h("div", { class: "kpi", title: t.definition || "" },
    h("div", { class: "label" }, t.label),
    h("div", { class: "value" }, fmtNumber(t.actual), h("small", {}, ` ${t.unit || ""}`)),
    h("div", { class: "target" }, `目标 ${target}${t.unit || ""}，完成 ${t.percent ?? 0}%`));
}

// The funnel steps counted per county (all but the questions, which have no county), as the API names them.
const countyFunnel = (funnel, counties) => funnel.filter((f) => counties.some((c) => f.key in (c.funnel || {})));

function countyTable(targets, funnel, counties, short) {
  const columns = [
    { label: "县市", value: (c) => c.county },
    ...targets.map((t) => ({ label: short[t.key] || t.label, value: (c) => fmtNumber(c[t.key] ?? 0) })),
    ...countyFunnel(funnel, counties).map((f) => ({ label: f.label, value: (c) => fmtNumber((c.funnel || {})[f.key] ?? 0) })),
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

function drawAll(echarts, charts, targets, funnel, counties, short) {
  const tracked = targets.filter((t) => t.target);
  const opts = [
    [charts.targets, targetsOption(tracked)],
    [charts.funnel, funnelOption(funnel)],
    [charts.counties, countiesOption(counties, countySeries(funnel, short))],
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
function countySeries(funnel, short) {
  const step = new Map(funnel.map((f) => [f.key, f.label]));
  return [
    ...["loan_backed", "jobs", "trained"].map((key) => ({ key, label: short[key] || key })),
    ...["appointments", "attended"].map((key) => ({ key, label: step.get(key) || key, funnel: true })),
  ];
}

function countiesOption(counties, series) {
  const value = (c, s) => (s.funnel ? (c.funnel || {})[s.key] : c[s.key]) ?? 0;
  return {
    title: title("各县市进展"),
    legend: { top: 4, right: 10 },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 20, top: 44, bottom: 30 },
    xAxis: { type: "category", data: counties.map((c) => c.county), axisLabel: { interval: 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: series.map((s) => ({ type: "bar", name: s.label, data: counties.map((c) => value(c, s)) })),
  };
}
