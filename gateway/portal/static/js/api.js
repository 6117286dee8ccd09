// The gateway's public API: GraphQL at /graphql, CSV downloads at /csv/..., /healthz.
// The bearer token is asked for once and kept in this browser session (sessionStorage).

const KEY = "minis.token";
let askForToken = async () => {
  throw new ApiError("no token", "UNAUTHENTICATED");
};
const cache = new Map(); // answers of this page's life, by query and variables
const CACHE_SIZE = 60;

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

// `ask(message)` resolves to a token the person typed; called when there is none or it is refused.
export function onTokenNeeded(ask) {
  askForToken = ask;
}

async function authorized(url, init = {}) {
  for (let attempt = 0; ; attempt++) {
    if (!token.get()) token.set(await askForToken(""));
    const headers = { ...init.headers, authorization: `Bearer ${token.get()}` };
    const response = await fetch(url, { ...init, headers });
    if (response.status !== 401 || attempt > 2) return response;
    const body = await response.json().catch(() => ({}));
    token.clear();
    token.set(await askForToken(body.errors?.[0]?.message || "the token was refused"));
  }
}

export async function gql(query, variables = {}) {
  const key = JSON.stringify([query, variables]);
  if (cache.has(key)) return cache.get(key);
  const response = await authorized("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json().catch(() => null);
  if (!body) throw new ApiError(`the gateway answered HTTP ${response.status}`, "HTTP");
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new ApiError(body.errors.map((e) => e.message).join("; "), first.extensions?.code);
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value);
  cache.set(key, body.data);
  return body.data;
}

export async function health() {
  const response = await fetch("/healthz");
  return response.json();
}

// Fetches a CSV with the token and hands it to the browser as a download.
export async function downloadCsv(path, params, filename) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null));
  const response = await authorized(`${path}?${query}`);
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(body.errors?.[0]?.message || `HTTP ${response.status}`, "HTTP");
  }
  const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
  saveFile(named?.[1] || filename, await response.blob());
}

// Hands `content` (a Blob or text) to the browser as a download named `filename`.
export function saveFile(filename, content) {
  const blob = content instanceof Blob ? content : new Blob([content], { type: "text/csv" });
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
