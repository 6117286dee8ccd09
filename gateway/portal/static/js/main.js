// The portal: picks the app and module from the address (#/game/tile_kingdom/userBehavior?...),
// asks the GraphQL API for the module's numbers and draws them.

import { ApiError, downloadCsv, gql, health, onTokenNeeded, saveFile, token } from "./api.js";
import { h, replace } from "./dom.js";
import { filterBar, rangeOf, toParams, toVariables } from "./filters.js";
import { orderModules } from "./modules.js";
import { loadPortal } from "./schema.js";
import * as views from "./views.js";

const PAGE_SIZE = 10;
const BREAKDOWN_ROWS = 10;
const CARD = "fragment card on Metric { id label unit value previous change suppressed series { date value } }";
const page = document.getElementById("page");
const nav = document.getElementById("modules");
const picker = document.getElementById("app");
let portal, apps, reportingDay;
let generation = 0; // the render in progress; older ones drop their answers

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  const [kind, app, module] = path.split("/");
  return { kind, app, module, params: Object.fromEntries(new URLSearchParams(query || "")) };
}

function go({ kind, app, module, params }) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null));
  location.hash = `#/${kind}/${app}/${module}${query.size ? `?${query}` : ""}`;
}

function askToken(message) {
  const dialog = document.getElementById("token-dialog");
  const form = document.getElementById("token-form");
  document.getElementById("token-error").textContent = message;
  form.reset();
  dialog.showModal();
  return new Promise((resolve) => {
    form.addEventListener("submit", () => resolve(form.token.value.trim()), { once: true });
  });
}

async function boot() {
  onTokenNeeded(askToken);
  const signOut = document.getElementById("sign-out");
  signOut.addEventListener("click", () => { token.clear(); location.reload(); });
  const status = await health().catch(() => ({}));
  reportingDay = status.reporting_day || new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  try {
    portal = await loadPortal();
    apps = await gql("{ game: games { id name status launchedOn } drama: dramas { id name status launchedOn } }");
  } catch (error) {
    return showError(error);
  }
  signOut.hidden = false;
  picker.replaceChildren(...["game", "drama"].map((kind) => h("optgroup", { label: kind === "game" ? "Games" : "Dramas" },
    apps[kind].map((a) => h("option", { value: `${kind}/${a.id}` }, a.name)))));
  picker.addEventListener("change", () => {
    const [kind, app] = picker.value.split("/");
    const { params } = parseHash();
    go({ kind, app, module: orderModules(portal[kind])[0].id, params: commonFilters(params) });
  });
  window.addEventListener("hashchange", render);
  render();
}

function commonFilters(params) {
  const keep = ["preset", "start", "end", "os", "regions", "userType"];
  return Object.fromEntries(keep.filter((k) => params[k]).map((k) => [k, params[k]]));
}

function showError(error) {
  const unauthenticated = error instanceof ApiError && error.code === "UNAUTHENTICATED";
  replace(page, h("div", { class: "notice error", role: "alert" },
    h("strong", {}, unauthenticated ? "Not signed in" : "Something went wrong"), " ", error.message));
  page.dataset.status = "error";
}

function render() {
  const route = parseHash();
  const kind = apps[route.kind] ? route.kind : "game";
  const app = apps[kind].find((a) => a.id === route.app);
  const modules = orderModules(portal[kind]);
  const module = modules.find((m) => m.id === route.module) || modules[0];
  if (!app) return noApp(route);
  picker.value = `${kind}/${app.id}`;
  document.title = `${module.label} · ${app.name} · minis`;
  document.getElementById("app-status").textContent = app.status === "LAUNCHED" ? `live since ${app.launchedOn}` : "unreleased";
  replace(nav, groupedNav(kind, app, modules, module, route.params));
  const ctx = { kind, app, module, params: route.params, run: ++generation };
  const content = h("div", { class: "content" });
  const [start, end] = rangeOf(route.params, reportingDay);
  replace(page,
    h("div", { class: "title" }, h("h1", {}, module.label), h("p", {}, module.description)),
    filterBar(module, route.params, { reportingDay, onChange: (params) => go({ ...route, kind, app: app.id, module: module.id, params }) }),
    app.status !== "LAUNCHED" && h("div", { class: "notice unreleased", role: "status" },
      h("strong", {}, `${app.name} is not released yet.`), " Its analytics start on the day it launches; until then every number is empty."),
    h("p", { class: "range-note" }, `${start} – ${end}`),
    content);
  page.dataset.status = "loading";
  page.dataset.render = String(ctx.run); // tests wait for a render newer than the last one
  drawModule(ctx, content).then(
    () => { if (ctx.run === generation) page.dataset.status = "ready"; },
    (error) => { if (ctx.run === generation) { content.replaceChildren(); showErrorIn(content, error); page.dataset.status = "error"; } });
}

// No app in the address: the first launched one (games first); an unknown one: say so.
function noApp(route) {
  const launched = (kind) => apps[kind].filter((a) => a.status === "LAUNCHED");
  const kind = ["game", "drama"].find((k) => launched(k).length) || ["game", "drama"].find((k) => apps[k].length);
  if (kind && !route.app) {
    const app = launched(kind)[0] || apps[kind][0];
    return go({ kind, app: app.id, module: orderModules(portal[kind])[0].id, params: route.params });
  }
  replace(nav);
  replace(page, h("div", { class: "notice", role: "status" },
    kind ? `There is no app ${route.app} that this token may see.` : "This token may see no apps yet."));
  page.dataset.render = String(++generation);
  page.dataset.status = "ready";
}

function groupedNav(kind, app, modules, current, params) {
  const groups = new Map();
  for (const m of modules) groups.set(m.group, [...(groups.get(m.group) || []), m]);
  return [...groups].map(([group, members]) => h("div", { class: "group" }, h("h3", {}, group),
    members.map((m) => h("a", {
      href: `#/${kind}/${app.id}/${m.id}?${new URLSearchParams(commonFilters(params))}`,
      class: m.id === current.id ? "active" : null, "aria-current": m.id === current.id ? "page" : null,
    }, m.label))));
}

function showErrorIn(content, error) {
  const input = error instanceof ApiError && error.code === "BAD_USER_INPUT";
  content.append(h("div", { class: "notice error", role: "alert" },
    h("strong", {}, input ? "Change the filters: " : "The gateway could not answer: "), error.message));
}

// A GraphQL document for one module of the app, with `body` selected on the module.
function moduleQuery(ctx, body, declarations = "") {
  const fragment = !body.includes("...card") ? "" : portal.assessed ? CARD.replace("change", "change assessment") : CARD;
  return `query Module($id: ID!, $filter: ${ctx.module.filterType}${declarations}) {
    app: ${ctx.kind}(id: $id) { m: ${ctx.module.id}(filter: $filter) { ${body} } } } ${fragment}`;
}

async function ask(ctx, body, declarations, extra = {}) {
  const variables = { id: ctx.app.id, filter: toVariables(ctx.module, ctx.params), ...extra };
  const data = await gql(moduleQuery(ctx, body, declarations), variables);
  if (ctx.run !== generation) throw new Stale();
  return data.app.m;
}

class Stale extends Error {}

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

const set = (ctx, updates) => go({ kind: ctx.kind, app: ctx.app.id, module: ctx.module.id, params: { ...ctx.params, ...updates } });

async function drawModule(ctx, content) {
  const { module } = ctx;
  try {
    if (module.metrics.length) await drawMetrics(ctx, content);
    if (module.retention) await drawRetention(ctx, content);
    if (module.distribution) {
      const body = module.distribution.by.map((by, i) => `d${i}: ${module.distribution.field}(by: ${by}) { key users share }`).join(" ");
      content.append(views.distribution(module, await ask(ctx, body), (el, by) => csv(ctx, "distribution", { by })(el)));
    }
    if (module.funnel) {
      const answer = await ask(ctx, `steps: ${module.funnel.field} { step label pv conversionFromPrevious conversionFromFirst }`);
      content.append(views.funnel(module, answer.steps, csv(ctx, module.funnel.field)));
    }
    for (const spec of module.tables) await drawTable(ctx, content, spec);
  } catch (error) {
    if (!(error instanceof Stale)) throw error;
  }
}

async function drawMetrics(ctx, content) {
  const { module, params } = ctx;
  const answers = await ask(ctx, module.metrics.map((m) => `${m.id} { ...card }`).join(" "));
  const metric = module.metrics.find((m) => m.id === params.metric) || module.metrics[0];
  const values = module.metrics.map((m) => answers[m.id]);
  if (values.some((a) => a.suppressed === "PRIVACY_THRESHOLD")) {
    content.append(h("div", { class: "notice privacy", role: "status" }, h("strong", {}, "US data left out. "),
      "Fewer than 1,000 users of a protected region (US) had a session in this range and OS filter; widen the range or the filters to see it."));
  } else if (values.every((a) => !a.suppressed && !a.value)) {
    content.append(h("div", { class: "notice empty-range", role: "status" }, h("strong", {}, "No data in this range. "),
      "Nothing matches these filters on these days; try a longer range or other filters."));
  }
  content.append(
    views.cards(module.metrics, answers, metric.id, (id) => set(ctx, { metric: id })),
    views.trend(metric, answers[metric.id], csv(ctx, metric.id)));
  if (!metric.by.length || answers[metric.id].suppressed) return;
  const by = metric.by.includes(params.by) ? params.by : metric.by[0];
  const answer = await ask(ctx, `x: ${metric.id} { breakdown(by: $by, limit: $limit) { key value share series { date value } } }`,
    `, $by: ${metric.dimensionType}!, $limit: Int`, { by, limit: BREAKDOWN_ROWS });
  const rows = answer.x.breakdown;
  content.append(...views.breakdown(metric, rows, by, {
    onBy: (value) => set(ctx, { by: value }),
    download: csv(ctx, metric.id, { by, limit: BREAKDOWN_ROWS }),
    downloadTrend: () => saveFile(`${ctx.app.id}-${metric.id}-by-${by.toLowerCase()}-series.csv`, seriesCsv(rows)),
  }).filter(Boolean));
}

function seriesCsv(rows) {
  const top = rows.filter((r) => r.series?.length).slice(0, 5);
  const quote = (v) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [["date", ...top.map((r) => quote(String(r.key ?? "")))].join(",")];
  top[0]?.series.forEach((p, i) => lines.push([p.date, ...top.map((r) => r.series[i]?.value ?? "")].join(",")));
  return `${lines.join("\n")}\n`;
}

async function drawRetention(ctx, content) {
  const { module, params } = ctx;
  const period = module.retention.periods.includes(params.period) ? params.period : "DAY_7";
  const answer = await ask(ctx, `rate: ${module.retention.field}(period: $period) { ...card }
    cohorts: ${module.retention.cohorts}(period: $period) { date cohortSize retained rate }`,
  ", $period: RetentionPeriod!", { period });
  content.append(...views.retention(module, answer, period, {
    onPeriod: (value) => set(ctx, { period: value }),
    download: csv(ctx, "cohorts", { period }),
    downloadTrend: csv(ctx, "cohorts", { period }),
  }));
}

async function drawTable(ctx, content, spec) {
  const key = `${spec.field}Offset`;
  const offset = spec.paged ? Math.max(0, Number.parseInt(ctx.params[key] || "0", 10) || 0) : 0;
  const args = spec.paged ? "limit: $limit, offset: $offset" : "limit: $limit";
  const answer = await ask(ctx, `t: ${spec.field}(${args}) { ${spec.counted ? "totalCount" : ""} rows { ${spec.columns.join(" ")} } }`,
    spec.paged ? ", $limit: Int, $offset: Int!" : ", $limit: Int", spec.paged ? { limit: PAGE_SIZE, offset } : { limit: PAGE_SIZE });
  // error codes of the module's family (network, ads) first, then any other's
  const id = ctx.module.id.toLowerCase();
  const ours = (e) => id.includes(e.family.replace(/s$/, "").toLowerCase());
  const codes = [...portal.errorCodes.filter((e) => !ours(e)), ...portal.errorCodes.filter(ours)];
  const meanings = new Map(codes.map((e) => [e.code, e.meaning]));
  content.append(views.table(spec, answer.t, offset, {
    pageSize: PAGE_SIZE, meanings,
    onPage: (value) => set(ctx, { [key]: String(value) }),
    download: csv(ctx, spec.field, spec.paged ? { limit: PAGE_SIZE, offset } : { limit: PAGE_SIZE }),
  }));
}

boot();
