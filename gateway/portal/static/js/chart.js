// Charts drawn as SVG: a line chart of daily series (hover shows the day's values) and a pie.

import { h, svg } from "./dom.js";
import { formatShare, formatTick, formatValue } from "./format.js";

export const COLORS = ["#3370ff", "#fe2c55", "#14c9c9", "#ff9f1a", "#7b61ff", "#2ba471", "#c9a000", "#8f959e"];
const W = 1000;
const H = 250;
const PAD = { left: 56, right: 16, top: 14, bottom: 28 };

// A step of 1, 2 or 5 times a power of ten that splits `span` into at most five parts.
function niceStep(span) {
  if (span <= 0) return 1;
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw);
}

// series: [{name, points: [{date, value}]}], all over the same days.
export function lineChart(series, { unit, label }) {
  const days = series[0]?.points.map((p) => p.date) || [];
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => v !== null);
  if (!values.length) return h("div", { class: "chart empty" }, "No data for these days");
  const step = niceStep(Math.max(...values) - Math.min(0, ...values));
  const top = Math.max(step, Math.ceil(Math.max(...values) / step) * step);
  const low = Math.floor(Math.min(0, ...values) / step) * step;
  const dx = days.length > 1 ? (W - PAD.left - PAD.right) / (days.length - 1) : 0;
  const x = (i) => PAD.left + (days.length > 1 ? i * dx : (W - PAD.left - PAD.right) / 2);
  const y = (v) => PAD.top + ((top - v) / (top - low)) * (H - PAD.top - PAD.bottom);
  const ticks = Array.from({ length: Math.round((top - low) / step) + 1 }, (_, i) => low + i * step);
  const grid = ticks.map((v) => {
    return svg("g", { class: "tick" },
      svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v) }),
      svg("text", { x: PAD.left - 6, y: y(v) + 4, "text-anchor": "end" }, formatTick(v, unit)));
  });
  const every = Math.max(1, Math.ceil(days.length / 8));
  const labelled = (i) => i === days.length - 1 || (i % every === 0 && days.length - 1 - i >= every / 2);
  const dayLabels = days.map((d, i) => (!labelled(i) ? null
    : svg("text", { class: "day", x: x(i), y: H - 8, "text-anchor": "middle" }, d.slice(5))));
  const lines = series.map((s, n) => {
    let path = "";
    s.points.forEach((p, i) => {
      if (p.value === null) return;
      const joined = i > 0 && s.points[i - 1].value !== null;
      path += `${joined ? "L" : "M"}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`;
    });
    const color = COLORS[n % COLORS.length];
    const dots = days.length <= 14 || s.points.filter((p) => p.value !== null).length === 1
      ? s.points.map((p, i) => p.value === null ? null
        : svg("circle", { cx: x(i), cy: y(p.value), r: 3, fill: color })) : [];
    return svg("g", { class: "series" }, svg("path", { d: path, stroke: color }), dots);
  });
  const guide = svg("line", { class: "guide", y1: PAD.top, y2: H - PAD.bottom, visibility: "hidden" });
  const marks = series.map((_, n) => svg("circle", { r: 4.5, fill: COLORS[n % COLORS.length], visibility: "hidden" }));
  const tip = h("div", { class: "tooltip", hidden: true, role: "status" });
  const overlay = svg("rect", { class: "overlay", x: PAD.left - dx / 2, y: 0,
    width: W - PAD.left - PAD.right + dx, height: H });
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label },
    grid, dayLabels, lines, guide, marks, overlay);
  const legend = series.length > 1 && h("ul", { class: "legend" }, series.map((s, n) => h("li", {},
    h("i", { class: "swatch", style: `background:${COLORS[n % COLORS.length]}` }), s.name)));
  const wrapper = h("div", { class: "chart line" }, chart, tip, legend);
  overlay.addEventListener("mousemove", (event) => {
    const box = chart.getBoundingClientRect();
    const at = ((event.clientX - box.left) / box.width) * W;
    const i = Math.max(0, Math.min(days.length - 1, Math.round(dx ? (at - PAD.left) / dx : 0)));
    guide.setAttribute("x1", x(i));
    guide.setAttribute("x2", x(i));
    guide.setAttribute("visibility", "visible");
    marks.forEach((mark, n) => {
      const v = series[n].points[i]?.value;
      mark.setAttribute("visibility", v === null || v === undefined ? "hidden" : "visible");
      if (v !== null && v !== undefined) mark.setAttribute("cx", x(i)), mark.setAttribute("cy", y(v));
    });
    tip.replaceChildren(h("strong", {}, days[i]), ...series.map((s, n) => h("div", {},
      h("i", { class: "swatch", style: `background:${COLORS[n % COLORS.length]}` }),
      series.length > 1 ? `${s.name}: ` : "", formatValue(s.points[i]?.value ?? null, unit))));
    tip.hidden = false;
    const left = (x(i) / W) * box.width;
    tip.style.left = `${Math.min(left + 12, box.width - 160)}px`;
  });
  overlay.addEventListener("mouseleave", () => {
    tip.hidden = true;
    guide.setAttribute("visibility", "hidden");
    marks.forEach((mark) => mark.setAttribute("visibility", "hidden"));
  });
  return wrapper;
}

// rows: [{key, value, share}], largest first: the first seven, the rest as "Other"; the
// colours match the swatches of the table beside it (COLORS in row order).
export function pieChart(rows, { unit, label }) {
  const total = rows.reduce((sum, r) => sum + (r.value || 0), 0);
  if (!total) return h("div", { class: "chart empty" }, "No data for these days");
  const shown = rows.slice(0, 7);
  const rest = rows.slice(7).reduce((sum, r) => sum + (r.value || 0), 0);
  if (rest > 0) shown.push({ key: "Other", value: rest });
  let angle = -Math.PI / 2;
  const slices = shown.map((row, n) => {
    const share = (row.value || 0) / total;
    const next = angle + share * 2 * Math.PI;
    const [r, c] = [80, 100];
    const point = (a) => `${(c + r * Math.cos(a)).toFixed(2)},${(c + r * Math.sin(a)).toFixed(2)}`;
    const title = svg("title", {}, `${row.key ?? "(none)"}: ${formatValue(row.value, unit)} (${formatShare(share)})`);
    const shape = share >= 0.9999
      ? svg("circle", { cx: c, cy: c, r, fill: COLORS[n % COLORS.length] }, title)
      : svg("path", { d: `M${c},${c} L${point(angle)} A${r},${r} 0 ${share > 0.5 ? 1 : 0} 1 ${point(next)} Z`,
        fill: COLORS[n % COLORS.length] }, title);
    angle = next;
    return shape;
  });
  const other = rest > 0 && h("p", { class: "note" },
    h("i", { class: "swatch", style: `background:${COLORS[7]}` }), `Other: ${formatShare(rest / total)}`);
  return h("div", { class: "chart pie" },
    svg("svg", { viewBox: "0 0 200 200", role: "img", "aria-label": label }, slices,
      svg("circle", { cx: 100, cy: 100, r: 44, class: "hole" })),
    other);
}
