// What the pages show, read from the API itself: GraphQL introspection says which modules,
// metrics, filters and views a game and a drama have; the catalog adds labels, units,
// descriptions, error-code meanings and, where the model says so, which way a metric is better.

import { gql } from "./api.js";
import { pretty } from "./format.js";

const TYPE_REF = "kind name ofType { kind name ofType { kind name ofType { kind name } } }";
const INTROSPECTION = `{ __schema { types { kind name description
  fields { name description type { ${TYPE_REF} } args { name defaultValue type { ${TYPE_REF} } } }
  inputFields { name description defaultValue type { ${TYPE_REF} } }
  enumValues { name } interfaces { name } } } }`;
const BETTER_FIELDS = ["direction", "better", "goodDirection", "desiredDirection", "polarity"];
const APP_FIELDS = new Set(["id", "name", "status", "launchedOn"]);
const KINDS = { game: "Game", drama: "Drama" };

function named(ref) {
  while (ref.ofType) ref = ref.ofType;
  return ref;
}

function isList(ref) {
  for (; ref; ref = ref.ofType) if (ref.kind === "LIST") return true;
  return false;
}

// Loads the schema and the catalog; returns {game: [module, ...], drama: [...], errorCodes,
// assessed}.
export async function loadPortal() {
  const { __schema } = await gql(INTROSPECTION);
  const types = new Map(__schema.types.map((t) => [t.name, t]));
  const metricFields = types.get("CatalogMetric").fields.map((f) => f.name);
  const better = BETTER_FIELDS.find((name) => metricFields.includes(name));
  const { catalog } = await gql(`{ catalog {
    modules { kind id label description }
    metrics { id label description unit ${better || ""} }
    dimensions { id label }
    filters { id label description }
    errorCodes { family code meaning }
    ${types.has("CatalogPrivacy") ? "privacy { epoch decidedThrough levels { days } }" : ""} } }`);
  const context = {
    types,
    modules: new Map(catalog.modules.map((m) => [`${m.kind}/${m.id}`, m])),
    metrics: new Map(catalog.metrics.map((m) => [m.id, { ...m, lowerIsBetter: lower(m[better]) }])),
    filters: new Map(catalog.filters.map((f) => [f.id, f])),
    dimensions: new Map(catalog.dimensions.map((d) => [d.id.toUpperCase(), d.label])),
    columns: new Map(catalog.dimensions.map((d) => [d.id.replace(/_(\w)/g, (_, c) => c.toUpperCase()), d.label])),
  };
  // where the gateway judges each change itself (GOOD, BAD, NEUTRAL), the cards take its word
  const assessed = types.get("Metric").fields.some((f) => f.name === "assessment");
  // the privacy calendar, for the presets aligned to its blocks (LAST_WEEK, ...)
  const privacy = catalog.privacy
    ? { epoch: catalog.privacy.epoch, decidedThrough: catalog.privacy.decidedThrough,
        blocks: catalog.privacy.levels.map((l) => l.days) }
    : null;
  const included = types.get("Metric").fields.some((f) => f.name === "protected");
  const portal = { errorCodes: catalog.errorCodes, assessed, privacy, included };
  for (const [kind, typeName] of Object.entries(KINDS)) {
    portal[kind] = types
      .get(typeName)
      // modules are the fields that take a filter; the others describe the app
      .fields.filter((f) => !APP_FIELDS.has(f.name) && f.args.some((a) => a.name === "filter"))
      .map((field) => describeModule(kind, field, context));
  }
  return portal;
}

function lower(direction) {
  return typeof direction === "string" && direction.toLowerCase().includes("lower");
}

function enumValues(types, ref) {
  const type = types.get(named(ref).name);
  return type?.kind === "ENUM" ? type.enumValues.map((v) => v.name) : null;
}

function describeModule(kind, field, context) {
  const { types } = context;
  const filterArg = field.args.find((a) => a.name === "filter");
  const filterType = types.get(named(filterArg.type).name);
  const info = context.modules.get(`${kind}/${field.name}`) || {};
  const module = {
    kind,
    id: field.name,
    label: info.label || pretty(field.name),
    description: info.description || field.description || "",
    filterType: filterType.name,
    filters: filterType.inputFields.map((f) => describeFilter(f, context)),
    metrics: [],
    retention: null,
    distribution: null,
    funnel: null,
    tables: [],
  };
  for (const part of types.get(named(field.type).name).fields) {
    const type = types.get(named(part.type).name);
    const argOf = (name) => part.args.find((a) => a.name === name);
    if (type.interfaces?.some((i) => i.name === "Metric")) {
      const metric = describeMetric(part, type, context);
      if (argOf("period")) {
        const periods = enumValues(types, argOf("period").type);
        module.retention = { field: part.name, metric, periods, cohorts: "cohorts" };
      } else module.metrics.push(metric);
    } else if (part.name === "distribution" && argOf("by")) {
      const by = enumValues(types, argOf("by").type);
      module.distribution = { field: part.name, by, labels: by.map((v) => dimensionLabel(v, context)) };
    } else if (type.name === "FunnelStep") {
      module.funnel = { field: part.name, description: part.description || "" };
    } else if (type.fields?.some((f) => f.name === "rows")) {
      const rowType = types.get(named(type.fields.find((f) => f.name === "rows").type).name);
      module.tables.push({
        field: part.name,
        label: pretty(part.name),
        description: part.description || "",
        paged: Boolean(argOf("offset")),
        counted: type.fields.some((f) => f.name === "totalCount"),
        columns: rowType.fields.map((f) => f.name),
        headings: rowType.fields.map((f) => context.columns.get(f.name) || pretty(f.name)),
      });
    }
  }
  return module;
}

function describeMetric(part, type, context) {
  const known = context.metrics.get(part.name) || {};
  const breakdown = type.fields.find((f) => f.name === "breakdown");
  const byArg = breakdown?.args.find((a) => a.name === "by");
  const by = byArg ? enumValues(context.types, byArg.type) : [];
  return {
    id: part.name,
    label: known.label || pretty(part.name),
    description: known.description || part.description || "",
    unit: known.unit || "",
    lowerIsBetter: Boolean(known.lowerIsBetter),
    by,
    byLabels: by.map((v) => dimensionLabel(v, context)),
    dimensionType: byArg ? named(byArg.type).name : null,
  };
}

function dimensionLabel(value, context) {
  return context.dimensions.get(value) || pretty(value);
}

function describeFilter(input, context) {
  const known = context.filters.get(input.name) || {};
  const base = {
    name: input.name,
    label: known.label || pretty(input.name),
    description: known.description || input.description || "",
  };
  const type = named(input.type);
  if (type.name === "RangeInput") return { ...base, kind: "range" };
  if (type.name === "Boolean") return { ...base, kind: "boolean" };
  const values = enumValues(context.types, input.type);
  if (values) return { ...base, kind: isList(input.type) ? "list" : "enum", values };
  return { ...base, kind: isList(input.type) ? "list" : "text", values: null };
}
