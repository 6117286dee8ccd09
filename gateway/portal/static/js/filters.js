// The filter bar: range presets or a custom range of at most 90 days, then the module's own
// filters (os, regions, user type, ...). Its state is a flat set of string parameters, the
// same names the CSV downloads take: preset, start, end, os, regions, ...

import { h } from "./dom.js";
import { pretty } from "./format.js";

const PRESETS = [
  ["YESTERDAY", "Yesterday"],
  ["LAST_7_DAYS", "Last 7 days"],
  ["LAST_30_DAYS", "Last 30 days"],
  ["LAST_WEEK", "Last week"],
  ["LAST_4_WEEKS", "Last 4 weeks"],
  ["LAST_12_WEEKS", "Last 12 weeks"],
];
// presets that are the last complete block of the privacy calendar whose cells are decided:
// ranges aligned to its blocks, which can include protected-region (US) data
const BLOCKS = { LAST_WEEK: 7, LAST_4_WEEKS: 28, LAST_12_WEEKS: 84 };
const MAX_DAYS = 90;
const DAY_MS = 86400000;

function days(start, end) {
  return Math.round((Date.parse(end) - Date.parse(start)) / DAY_MS) + 1;
}

function shiftDay(day, by) {
  return new Date(Date.parse(day) + by * DAY_MS).toISOString().slice(0, 10);
}

// The filter a module's GraphQL field takes, from the parameters.
export function toVariables(module, params) {
  const filter = {};
  for (const f of module.filters) {
    const raw = params[f.name];
    if (f.kind === "range") {
      if (params.start && params.end) filter.range = { start: params.start, end: params.end };
      else if (params.preset) filter.range = { preset: params.preset };
    } else if (raw === undefined || raw === "") continue;
    else if (f.kind === "list") filter[f.name] = raw.split(",").map((v) => v.trim()).filter(Boolean);
    else if (f.kind === "boolean") filter[f.name] = raw === "true";
    else filter[f.name] = raw;
  }
  return filter;
}

// The module's filters as CSV query parameters.
export function toParams(module, params) {
  const names = module.filters.flatMap((f) => (f.kind === "range" ? ["preset", "start", "end"] : [f.name]));
  const custom = params.start && params.end;
  return Object.fromEntries(
    names
      .filter((n) => params[n] && !(custom && n === "preset"))
      .map((n) => [n, params[n]]),
  );
}

// The range the parameters stand for, as [start, end].
export function rangeOf(params, reportingDay, calendar) {
  if (params.start && params.end) return [params.start, params.end];
  const block = BLOCKS[params.preset];
  if (block && calendar) {
    const through = calendar.decidedThrough;
    const offset = (((days(calendar.epoch, through) - 1) % block) + block) % block;
    let first = shiftDay(through, -offset);
    if (offset !== block - 1) first = shiftDay(first, -block); // its block is not complete yet
    return [first, shiftDay(first, block - 1)];
  }
  const length = { YESTERDAY: 1, LAST_30_DAYS: 30 }[params.preset] || 7;
  return [shiftDay(reportingDay, 1 - length), reportingDay];
}

function offered(calendar) {
  return PRESETS.filter(([value]) => !BLOCKS[value] || calendar?.blocks.includes(BLOCKS[value]));
}

export function filterBar(module, params, { reportingDay, onChange, calendar }) {
  const change = (updates) => onChange({ ...params, ...updates });
  const custom = Boolean(params.start && params.end);
  const preset = custom ? null : params.preset || "LAST_7_DAYS";
  const [start, end] = rangeOf(params, reportingDay, calendar);
  const message = h("span", { class: "filter-message", role: "alert" });
  const startInput = h("input", { type: "date", name: "start", value: start, max: reportingDay });
  const endInput = h("input", { type: "date", name: "end", value: end, max: reportingDay });
  const apply = () => {
    const [s, e] = [startInput.value, endInput.value];
    const problem = !s || !e ? "choose a start and an end day"
      : e > reportingDay ? `data runs up to ${reportingDay}: end on or before it`
      : s > e ? "the start day must not be after the end day"
      : days(s, e) > MAX_DAYS ? `a custom range spans at most ${MAX_DAYS} days, not ${days(s, e)}`
      : "";
    message.textContent = problem;
    if (!problem) change({ start: s, end: e, preset: "" });
  };
  const range = h("div", { class: "filter range", role: "group", "aria-label": "Date range" },
    offered(calendar).map(([value, label]) => h("button", {
      type: "button",
      class: value === preset ? "preset active" : "preset",
      "data-preset": value,
      "aria-pressed": String(value === preset),
      onclick: () => change({ preset: value, start: "", end: "" }),
    }, label)),
    h("span", { class: custom ? "custom active" : "custom" },
      startInput, "–", endInput,
      h("button", { type: "button", class: "apply", onclick: apply }, "Apply")),
    message);
  const others = module.filters
    .filter((f) => f.kind !== "range")
    .map((f) => h("label", { class: "filter", title: f.description },
      h("span", {}, f.label), control(f, params[f.name] || "", (v) => change({ [f.name]: v }))));
  return h("form", { class: "filters", onsubmit: (e) => e.preventDefault() },
    range, others,
    h("span", { class: "reporting-day" }, `Data up to ${reportingDay} (UTC)`));
}

function control(filter, value, set) {
  const name = filter.name;
  if (filter.kind === "enum" || filter.kind === "boolean") {
    const values = filter.kind === "boolean" ? ["true", "false"] : filter.values;
    const choices = values.filter((v) => v !== "ALL");
    const label = (v) => ({ true: "Yes", false: "No", IOS: "iOS", ANDROID: "Android" })[v] || pretty(v);
    // a filter narrows ("Only ...", user types): unset means all; a parameter: its first value
    const narrows = /^only\b/i.test(filter.description) || values.includes("RETURNING");
    const unset = filter.kind === "boolean" ? "Default" : narrows ? "All" : null;
    return h("select", { name, onchange: (e) => set(e.target.value) },
      unset && h("option", { value: "" }, unset),
      choices.map((v) => h("option", { value: v, selected: v === value }, label(v))));
  }
  const upper = name === "regions";
  const hint = filter.values ? filter.values.join(", ") : upper ? "all (e.g. US, GB)" : "all";
  return h("input", {
    name, value, placeholder: hint, size: 14,
    onchange: (e) => set(upper ? e.target.value.toUpperCase().replace(/\s+/g, "") : e.target.value.trim()),
  });
}
