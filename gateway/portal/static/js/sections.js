// A module's page, part by part: each part asks the GraphQL API for its own numbers, so the
// cards show at once and a part the gateway cannot answer (a timeout on a long range) says so
// in its place while the others still draw.

import { ApiError, downloadCsv, gql, saveFile } from "./api.js";
import { h } from "./dom.js";
import { toParams, toVariables } from "./filters.js";
import * as views from "./views.js";

const PAGE_SIZE = 10;
const BREAKDOWN_ROWS = 10;
const TREND_KEYS = 5;
const CARD = "fragment card on Metric { id label unit value previous change suppressed }";

export class Stale extends Error {} // the person moved on; this page's answers are dropped

export function errorNotice(error) {
  const input = error instanceof ApiError && error.code === "BAD_USER_INPUT";
  return h("div", { class: "notice error", role: "alert" },
    h("strong", {}, input ? "Change the filters: " : "The gateway could not answer: "), error.message);
}

// ctx: {portal, kind, app, module, params, current(), set(updates)}. Resolves to whether every
// part drew; throws only what stops the whole page (a refused filter).
export async function drawModule(ctx, content) {
  const { module } = ctx;
  const parts = [];
  const part = (draw) => parts.push(draw);
  if (module.metrics.length) metricParts(ctx, part);
  if (module.retention) part(() => retention(ctx));
  if (module.distribution) part(() => distribution(ctx));
  if (module.funnel) part(() => funnel(ctx));
  for (const spec of module.tables) part(() => table(ctx, spec));
  let whole = true;
  for (const draw of parts) {
    const slot = h("div", { class: "part" }, h("p", { class: "loading" }, "Loading…"));
    content.append(slot);
    try {
      slot.replaceChildren(...[await draw()].flat().filter(Boolean));
    } catch (error) {
      if (error instanceof Stale) return false;
      if (error instanceof ApiError && error.code === "BAD_USER_INPUT") throw error;
      slot.replaceChildren(errorNotice(error));
      whole = false;
    }
  }
  return whole;
}

// A GraphQL document for one module of the app, with `body` selected on the module.
async function ask(ctx, body, declarations = "", extra = {}) {
  let card = !body.includes("...card") ? "" : ctx.portal.assessed ? CARD.replace("change", "change assessment") : CARD;
  if (card && ctx.portal.included) card = card.replace("suppressed", "suppressed protected { included { start end } complete }");
  const query = `query Module($id: ID!, $filter: ${ctx.module.filterType}${declarations}) {
    app: ${ctx.kind}(id: $id) { m: ${ctx.module.id}(filter: $filter) { ${body} } } } ${card}`;
  const variables = { id: ctx.app.id, filter: toVariables(ctx.module, ctx.params), ...extra };
  const data = await gql(query, variables);
  if (!ctx.current()) throw new Stale();
  return data.app.m;
}

function csv(ctx, item, extra = {}) {
  return async (button) => {
    button.disabled = true;
    try {
      const params = { ...toParams(ctx.module, ctx.params), ...extra };
      await downloadCsv(`/csv/${ctx.kind}/${ctx.app.id}/${ctx.module.id}/${item}`, params, `${ctx.app.id}-${item}.csv`);
    } catch (error) {
      button.after(h("span", { class: "csv-error", role: "alert" }, error.message));
    } finally {
      button.disabled = false;
    }
  };
}

function metricParts(ctx, part) {
  const { module, params } = ctx;
  const metric = module.metrics.find((m) => m.id === params.metric) || module.metrics[0];
  const by = metric.by.includes(params.by) ? params.by : metric.by[0];
  let card;
  part(async () => {
    const answers = await ask(ctx, module.metrics.map((m) => `${m.id} { ...card }`).join(" "));
    card = answers[metric.id];
    return [notice(module.metrics.map((m) => answers[m.id])),
      views.cards(module.metrics, answers, metric.id, (id) => ctx.set({ metric: id }))];
  });
  part(async () => {
    const series = card.suppressed ? [] : (await ask(ctx, `x: ${metric.id} { series { date value } }`)).x.series;
    return views.trend(metric, { ...card, series }, csv(ctx, metric.id));
  });
  if (!metric.by.length) return;
  const breakdown = (limit, fields) => ask(ctx, `x: ${metric.id} { breakdown(by: $by, limit: $limit) { ${fields} } }`,
    `, $by: ${metric.dimensionType}!, $limit: Int`, { by, limit }).then((answer) => answer.x.breakdown);
  part(async () => card.suppressed ? null : views.breakdown(metric, await breakdown(BREAKDOWN_ROWS, "key value share"), by, {
    onBy: (value) => ctx.set({ by: value }),
    download: csv(ctx, metric.id, { by, limit: BREAKDOWN_ROWS }),
  }));
  part(async () => {
    if (card.suppressed) return null;
    const rows = await breakdown(TREND_KEYS, "key series { date value }");
    const name = `${ctx.app.id}-${metric.id}-by-${by.toLowerCase()}-series.csv`;
    return views.trendByKey(metric, rows, by, () => saveFile(name, seriesCsv(rows)));
  });
}

function notice(answers) {
  if (answers.some((a) => a.suppressed === "PRIVACY_THRESHOLD")) {
    return h("div", { class: "notice privacy", role: "status" }, h("strong", {}, "US data left out. "),
      "Fewer than 1,000 users of a protected region (US) had a session in this range and OS filter; "
      + "widen the range or the filters to see it.");
  }
  if (answers.every((a) => !a.suppressed && !a.value)) {
    return h("div", { class: "notice empty-range", role: "status" }, h("strong", {}, "No data in this range. "),
      "Nothing matches these filters on these days; try a longer range or other filters.");
  }
  return null;
}

function seriesCsv(rows) {
  const quote = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [["date", ...rows.map((r) => quote(String(r.key ?? "")))].join(",")];
  rows[0]?.series.forEach((p, i) => lines.push([p.date, ...rows.map((r) => r.series[i]?.value ?? "")].join(",")));
  return `${lines.join("\n")}\n`;
}

// The rate's daily trend is drawn from the cohort rows: a day's rate is its cohort's.
async function retention(ctx) {
  const { module, params } = ctx;
  const period = module.retention.periods.includes(params.period) ? params.period : "DAY_7";
  const answer = await ask(ctx, `rate: ${module.retention.field}(period: $period) { ...card }
    cohorts: ${module.retention.cohorts}(period: $period) { date cohortSize retained rate }`,
  ", $period: RetentionPeriod!", { period });
  const series = answer.cohorts.map((c) => ({ date: c.date, value: c.rate }));
  return views.retention(module, { ...answer, rate: { ...answer.rate, series } }, period, {
    onPeriod: (value) => ctx.set({ period: value }),
    download: csv(ctx, "cohorts", { period }),
  });
}

async function distribution(ctx) {
  const { field, by } = ctx.module.distribution;
  const answer = await ask(ctx, by.map((v, i) => `d${i}: ${field}(by: ${v}) { key users share }`).join(" "));
  return views.distribution(ctx.module, answer, (button, value) => csv(ctx, "distribution", { by: value })(button));
}

async function funnel(ctx) {
  const { field } = ctx.module.funnel;
  const answer = await ask(ctx, `steps: ${field} { step label pv conversionFromPrevious conversionFromFirst }`);
  return views.funnel(ctx.module, answer.steps, csv(ctx, field));
}

async function table(ctx, spec) {
  const key = `${spec.field}Offset`;
  const offset = spec.paged ? Math.max(0, Number.parseInt(ctx.params[key] || "0", 10) || 0) : 0;
  const paging = spec.paged ? { limit: PAGE_SIZE, offset } : { limit: PAGE_SIZE };
  const answer = await ask(ctx,
    `t: ${spec.field}(${spec.paged ? "limit: $limit, offset: $offset" : "limit: $limit"}) `
    + `{ ${spec.counted ? "totalCount" : ""} rows { ${spec.columns.join(" ")} } }`,
    spec.paged ? ", $limit: Int, $offset: Int!" : ", $limit: Int", paging);
  // error codes of the module's family (network, ads) win over another family's
  const id = ctx.module.id.toLowerCase();
  const ours = (e) => id.includes(e.family.replace(/s$/, "").toLowerCase());
  const codes = [...ctx.portal.errorCodes.filter((e) => !ours(e)), ...ctx.portal.errorCodes.filter(ours)];
  return views.table(spec, answer.t, offset, {
    pageSize: PAGE_SIZE,
    meanings: new Map(codes.map((e) => [e.code, e.meaning])),
    onPage: (value) => ctx.set({ [key]: String(value) }),
    download: csv(ctx, spec.field, paging),
  });
}
