// The portal: picks the app and module from the address (#/game/tile_kingdom/userBehavior?...),
// asks the GraphQL API for the module's numbers and draws them.

import { ApiError, gql, health, onTokenNeeded, token } from "./api.js";
import { h, replace } from "./dom.js";
import { filterBar, rangeOf } from "./filters.js";
import { orderModules } from "./modules.js";
import { loadPortal } from "./schema.js";
import { drawModule, errorNotice } from "./sections.js";

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
  const run = ++generation;
  const ctx = { portal, kind, app, module, params: route.params, current: () => run === generation,
    set: (updates) => go({ kind, app: app.id, module: module.id, params: { ...route.params, ...updates } }) };
  const content = h("div", { class: "content" });
  const [start, end] = rangeOf(route.params, reportingDay, portal.privacy);
  replace(page,
    h("div", { class: "title" }, h("h1", {}, module.label), h("p", {}, module.description)),
    filterBar(module, route.params, { reportingDay, calendar: portal.privacy, onChange: (params) => go({ ...route, kind, app: app.id, module: module.id, params }) }),
    app.status !== "LAUNCHED" && h("div", { class: "notice unreleased", role: "status" },
      h("strong", {}, `${app.name} is not released yet.`), " Its analytics start on the day it launches; until then every number is empty."),
    h("p", { class: "range-note" }, `${start} – ${end}`),
    content);
  page.dataset.status = "loading";
  page.dataset.render = String(run); // tests wait for a render newer than the last one
  drawModule(ctx, content).then(
    (whole) => { if (ctx.current()) page.dataset.status = whole ? "ready" : "partial"; },
    (error) => {
      if (!ctx.current()) return;
      content.replaceChildren(errorNotice(error));
      page.dataset.status = "error";
    });
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

boot();
