// The page's one way to reach the server. The session lives in an HttpOnly cookie the script
// cannot read; what the script holds is the CSRF token, which every state change sends back.
"use strict";

let session = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

export function currentSession() { return session; }
export function onSessionChange(listener) { listeners.add(listener); }
function setSession(next) { session = next; for (const listener of listeners) listener(session); }

async function errorFrom(response) {
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: a proxy's page */ }
  const error = body && body.error;
  return new ApiError(response.status, error?.code || `http_${response.status}`,
    error?.message || `HTTP ${response.status}`, error?.details);
}

async function send(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = session?.csrfToken || "";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  } catch (failure) {
    throw new ApiError(0, "network", String(failure));
  }
  if (response.status === 401 && session) {
    const problem = await errorFrom(response);
    if (problem.code === "not_signed_in") { setSession(null); }
    throw problem;
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

export async function loadSession() {
  try { setSession(await send("GET", "/session")); } catch { setSession(null); }
  return session;
}

export async function signIn(login, password) {
  const response = await fetch("/session", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ login, password }),
  });
  if (!response.ok) {
    const problem = await errorFrom(response);
    problem.retryAfter = Number(response.headers.get("Retry-After")) || null;
    throw problem;
  }
  setSession(await response.json());
  return session;
}

export async function signOut() {
  try { await send("DELETE", "/session"); } finally { setSession(null); }
}

/** Encodes a query object, leaving out empty values; arrays repeat the name. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) { for (const item of value) search.append(name, item); } else search.append(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/** A call to one of the five services through the console: api.get("supervision", "cases", {state: "dispatched"}). */
export const api = {
  get: (service, path, params) => send("GET", `/api/${service}/${path}${query(params)}`),
  post: (service, path, body) => send("POST", `/api/${service}/${path}`, body ?? {}),
  put: (service, path, body) => send("PUT", `/api/${service}/${path}`, body ?? {}),
  delete: (service, path) => send("DELETE", `/api/${service}/${path}`),
  /** The console's own endpoints (not forwarded): /console/… */
  console: (method, path, body) => send(method, `/console/${path}`, body),
};
