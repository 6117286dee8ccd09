// The parts of a module's page: metric cards, the trend of the selected card, breakdowns,
// the retention table, distributions, the funnel and paged tables. Each chart is a panel
// with a CSV download of the same numbers.

import { h } from "./dom.js";
import { COLORS, lineChart, pieChart } from "./chart.js";
import { formatChange, formatShare, formatValue, inTitle, pretty, tone } from "./format.js";

const WITHHELD = {
  PRIVACY_THRESHOLD: ["US data left out", "Fewer than 1,000 users of a protected region (US) "
    + "had a session in this range and OS filter, so their data is not shown."],
  APP_NOT_LAUNCHED: ["Not launched", "The app is not released yet: it has no analytics."],
};

// A titled box; `download` (a function) adds a CSV button.
export function panel(title, { download, description, className } = {}, ...content) {
  const button = download && h("button", {
    type: "button", class: "csv", title: "Download these numbers as CSV",
    onclick: (e) => download(e.currentTarget),
  }, "CSV");
  return h("section", { class: `panel ${className || ""}` },
    h("header", {}, h("h2", { title: description || null }, title), button), ...content);
}

export function suppressedNote(code) {
  const [text, why] = WITHHELD[code] || [pretty(code || ""), ""];
  return h("span", { class: `suppressed ${code}`, title: why }, text);
}

function card(metric, answer, selected, onSelect) {
  const unit = answer.unit || metric.unit;
  const judged = { GOOD: "good", BAD: "bad", NEUTRAL: "flat" }[answer.assessment];
  const state = judged || tone(answer.change, metric.lowerIsBetter);
  const arrow = answer.change > 0 ? "▲" : answer.change < 0 ? "▼" : "";
  return h("button", {
    type: "button", class: selected ? "card selected" : "card", "data-metric": metric.id,
    "aria-pressed": String(selected), title: metric.description, onclick: () => onSelect(metric.id),
  },
  h("span", { class: "label" }, answer.label || metric.label),
  h("span", { class: "value", "data-value": answer.value ?? "" }, formatValue(answer.value, unit)),
  answer.suppressed ? suppressedNote(answer.suppressed)
    : h("span", { class: `change ${state}`, "data-change": answer.change ?? "" },
      `${arrow} ${formatChange(answer.change)}`.trim(),
      h("small", {}, ` vs ${formatValue(answer.previous, unit)} before`)),
  includedNote(answer.protected));
}

// "US included for Nov 2 – Nov 22": a value that includes protected data for part of its range
function includedNote(protectedData) {
  if (!protectedData || protectedData.complete || !protectedData.included.length) return null;
  const spans = protectedData.included.map((s) => (s.start === s.end ? s.start : `${s.start} – ${s.end}`));
  return h("span", { class: "included", title: "US data is included only from whole privacy "
    + "cells (days, weeks, 4 and 12 weeks with at least 1,000 US users) inside the range" },
  `US included for ${spans.join(", ")}`);
}

export function cards(metrics, answers, selected, onSelect) {
  return h("div", { class: "cards" },
    metrics.map((m) => card(m, answers[m.id], m.id === selected, onSelect)));
}

export function trend(metric, answer, download) {
  const body = answer.suppressed
    ? h("div", { class: "chart empty" }, suppressedNote(answer.suppressed))
    : lineChart([{ name: metric.label, points: answer.series }], { unit: answer.unit || metric.unit, label: metric.label });
  return panel(`${answer.label || metric.label}: daily trend`,
    { download, description: metric.description, className: "trend" }, body);
}

function tabs(values, labels, chosen, onChoose, name) {
  return h("div", { class: "tabs", role: "tablist", "aria-label": name }, values.map((v, i) =>
    h("button", { type: "button", role: "tab", class: v === chosen ? "tab active" : "tab",
      "aria-selected": String(v === chosen), "data-value": v, onclick: () => onChoose(v) }, labels[i])));
}

// A row's key, with the colour of its pie slice when there is a pie.
function keyCell(key, n, pie) {
  const swatch = pie && n < 7 && h("i", { class: "swatch", style: `background:${COLORS[n]}` });
  return h("td", {}, swatch, key ?? "(none)");
}

function byLabel(metric, by) {
  return inTitle(metric.byLabels[metric.by.indexOf(by)] || pretty(by));
}

export function breakdown(metric, rows, by, { onBy, download }) {
  const label = byLabel(metric, by);
  const hasShares = rows.some((r) => r.share !== null);
  const table = h("table", { class: "rows" },
    h("thead", {}, h("tr", {}, h("th", {}, metric.byLabels[metric.by.indexOf(by)]), h("th", { class: "num" }, metric.label),
      hasShares && h("th", { class: "num" }, "Share"))),
    h("tbody", {}, rows.map((r, n) => h("tr", {}, keyCell(r.key, n, hasShares),
      h("td", { class: "num" }, formatValue(r.value, metric.unit)),
      hasShares && h("td", { class: "num" }, formatShare(r.share))))));
  const empty = !rows.length && h("p", { class: "empty" }, "No rows for these filters");
  return panel(`${metric.label} by ${label}`, { download, className: "breakdown" },
    tabs(metric.by, metric.byLabels, by, onBy, "Break down by"),
    h("div", { class: "split" }, hasShares && rows.length ? pieChart(rows, { unit: metric.unit, label }) : null,
      empty || table));
}

// The daily trend of the largest keys of a breakdown, one line each; nothing for a single key.
export function trendByKey(metric, rows, by, download) {
  if (rows.length < 2) return null;
  const label = byLabel(metric, by);
  return panel(`${metric.label} by ${label}: daily trend`, { download, className: "trend-by" },
    lineChart(rows.map((r) => ({ name: r.key ?? "(none)", points: r.series })), { unit: metric.unit, label }));
}

export function retention(module, answer, period, { onPeriod, download }) {
  const metric = module.retention.metric;
  const labels = module.retention.periods.map((p) => p.replace("DAY_", "Day "));
  const rows = answer.cohorts;
  const table = h("table", { class: "rows cohorts" },
    h("thead", {}, h("tr", {}, h("th", {}, "Cohort day"),
      ["Cohort size", "Retained", "Rate"].map((t) => h("th", { class: "num" }, t)))),
    h("tbody", {}, rows.map((r) => h("tr", {},
      h("td", {}, r.date), h("td", { class: "num" }, formatValue(r.cohortSize, "users")),
      h("td", { class: "num" }, r.retained === null ? "pending" : formatValue(r.retained, "users")),
      h("td", { class: "num heat", style: r.rate === null ? null : `--heat:${Math.min(1, r.rate * 2)}` },
        formatValue(r.rate, "fraction"))))));
  return [
    tabs(module.retention.periods, labels, period, onPeriod, "Retention period"),
    cards([metric], { [metric.id]: answer.rate }, metric.id, () => {}),
    trend(metric, answer.rate, download),
    panel("Cohorts", { download, className: "cohort-table" },
      rows.length ? table : h("p", { class: "empty" }, "No cohort days in this range")),
  ];
}

export function distribution(module, answer, download) {
  return h("div", { class: "grid" }, module.distribution.by.map((by, i) => {
    const rows = answer[`d${i}`].map((r) => ({ ...r, value: r.users }));
    const label = module.distribution.labels[i];
    const table = h("table", { class: "rows" },
      h("thead", {}, h("tr", {}, h("th", {}, label), h("th", { class: "num" }, "Users"),
        h("th", { class: "num" }, "Share"))),
      h("tbody", {}, rows.slice(0, 10).map((r, n) => h("tr", {}, keyCell(r.key, n, true),
        h("td", { class: "num" }, formatValue(r.users, "users")), h("td", { class: "num" }, formatShare(r.share))))));
    const more = rows.length > 10 && h("p", { class: "note" }, `${rows.length - 10} more in the CSV`);
    return panel(`Users by ${inTitle(label)}`, { download: (el) => download(el, by), className: "distribution" },
      rows.length ? h("div", { class: "split" }, pieChart(rows, { unit: "users", label }), h("div", {}, table, more))
        : h("p", { class: "empty" }, "No users for these filters"));
  }));
}

export function funnel(module, steps, download) {
  const first = steps[0]?.pv || 0;
  return panel("Conversion funnel", { download, description: module.funnel.description, className: "funnel" },
    first ? h("ol", { class: "steps" }, steps.map((s) => h("li", { "data-step": s.step },
      h("span", { class: "label" }, s.label),
      h("span", { class: "bar" }, h("span", { style: `width:${first ? (100 * (s.pv || 0)) / first : 0}%` })),
      h("span", { class: "num" }, formatValue(s.pv, "events")),
      h("span", { class: "num" }, s.step === steps[0].step ? "" : `${formatShare(s.conversionFromPrevious)} of previous`),
      h("span", { class: "num" }, formatShare(s.conversionFromFirst)))))
      : h("p", { class: "empty" }, "No funnel events in this range"));
}

export function table(spec, page, offset, { pageSize, onPage, download, meanings }) {
  const hasCode = spec.columns.includes("errorCode");
  const head = spec.headings.concat(hasCode ? ["Meaning"] : []);
  const total = spec.counted ? page.totalCount : page.rows.length;
  const pager = spec.paged && total > pageSize && h("nav", { class: "pager" },
    h("button", { type: "button", class: "previous", disabled: offset === 0,
      onclick: () => onPage(Math.max(0, offset - pageSize)) }, "Previous"),
    h("span", { class: "position" }, `${offset + 1}–${offset + page.rows.length} of ${total}`),
    h("button", { type: "button", class: "next", disabled: offset + pageSize >= total,
      onclick: () => onPage(offset + pageSize) }, "Next"));
  const body = page.rows.length ? h("table", { class: "rows" },
    h("thead", {}, h("tr", {}, head.map((t, i) => h("th", { class: typeof page.rows[0][spec.columns[i]] === "number" ? "num" : null }, t)))),
    h("tbody", {}, page.rows.map((r) => h("tr", {}, spec.columns.map((c) =>
      h("td", { class: typeof r[c] === "number" ? "num" : null }, typeof r[c] === "number" ? formatValue(r[c], "") : r[c] ?? "(none)")),
    hasCode && h("td", { class: "meaning" }, meanings.get(r.errorCode) || "")))))
    : h("p", { class: "empty" }, "No rows for these filters");
  return panel(spec.label, { download, description: spec.description, className: `table ${spec.field}` }, body, pager);
}
