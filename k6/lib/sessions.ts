// Users and their sessions: an OTP issued with the code exposed (OTP_EXPOSE_CODE=true on the
// instances under load), then verified into a bearer token.
import http from "k6/http";
import { fail } from "k6";
import { JSON_HEADERS, member, postJson, type Response } from "./api.ts";

/** A user logged in: its id and its session token. */
export interface Session {
  userId: string;
  token: string;
}

/** Issue a code for `userId`; the code (the instance exposes it) and the response. */
export function issue(base: string, userId: string): { code: string; response: Response } {
  const response = postJson(`${base}/otp`, { user_id: userId }, JSON_HEADERS, { step: "issue" });
  const code = response.status === 201 ? member<string>(response, "code") : "";
  return { code, response };
}

export function verify(base: string, userId: string, code: string, step = "verify"): Response {
  return postJson(`${base}/otp/verify`, { user_id: userId, code }, JSON_HEADERS, { step });
}

/** Sessions for every user id, logged in `batch` at a time (each batch in parallel). */
export function loginAll(base: string, userIds: string[], batch = 100): Session[] {
  const sessions: Session[] = [];
  for (let start = 0; start < userIds.length; start += batch) {
    const ids = userIds.slice(start, start + batch);
    const issued = http.batch(
      ids.map((userId) => ({
        method: "POST",
        url: `${base}/otp`,
        body: JSON.stringify({ user_id: userId }),
        params: { headers: JSON_HEADERS, tags: { step: "setup" } },
      })),
    );
    const verified = http.batch(
      ids.map((userId, n) => ({
        method: "POST",
        url: `${base}/otp/verify`,
        body: JSON.stringify({ user_id: userId, code: member<string>(issued[n], "code") }),
        params: { headers: JSON_HEADERS, tags: { step: "setup" } },
      })),
    );
    verified.forEach((response, n) => {
      if (response.status !== 200) {
        fail(`could not log ${ids[n]} in: ${response.status} ${response.body}`);
      }
      sessions.push({ userId: ids[n], token: member<string>(response, "token") });
    });
  }
  return sessions;
}

/** A code that is not `code` (the next one, modulo a million). */
export function anotherCode(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, "0");
}
