// The service under load: where it is, and the requests every scenario makes.
// Every address comes from the runner (ops/load.py) and must be on loopback.
import http, { type RefinedResponse, type ResponseType } from "k6/http";
import { fail } from "k6";

export type Response = RefinedResponse<ResponseType | undefined>;

/** An environment variable the runner sets, or the default when there is one. */
export function setting(name: string, fallback?: string): string {
  const value = __ENV[name] ?? fallback;
  if (value === undefined || value === "") {
    fail(`${name} is not set (ops/load.sh sets it)`);
  }
  return value;
}

/** A number setting: the smoke runs in CI set small ones. */
export function count(name: string, fallback: number): number {
  const value = Number(setting(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0) {
    fail(`${name} must be a number, got ${__ENV[name]}`);
  }
  return value;
}

/** The base URL of an instance, refused unless it is on this machine's loopback. */
export function baseUrl(name = "BASE_URL"): string {
  const url = setting(name);
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) {
    fail(`${name} must be http://127.0.0.1:<port> (load goes to this machine only), got ${url}`);
  }
  return url;
}

export const JSON_HEADERS = { "Content-Type": "application/json" };

export function adminHeaders(): Record<string, string> {
  return { ...JSON_HEADERS, Authorization: `Bearer ${setting("ADMIN_TOKEN")}` };
}

/** The ingestion credential (INGEST_TOKEN) for POST /usage. */
export function ingestHeaders(): Record<string, string> {
  return { ...JSON_HEADERS, Authorization: `Bearer ${setting("INGEST_TOKEN")}` };
}

export function bearer(token: string): Record<string, string> {
  return { ...JSON_HEADERS, Authorization: `Bearer ${token}` };
}

/** A JSON body member, typed loosely as k6 gives it. */
export function member<T>(response: Response, path: string): T {
  return response.json(path) as T;
}

export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = JSON_HEADERS,
  tags: Record<string, string> = {},
): Response {
  return http.post(url, JSON.stringify(body), { headers, tags });
}
