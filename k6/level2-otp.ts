// Level 2, volatile state: 1,000 users at once. Each issues a code, sends a wrong one (401,
// the code kept), the right one (200), the right one again (404: consumed). Every
// RACE_EVERY-th user then sends a second code RACERS times at once: exactly one 200. Then 6
// searches: the history keeps the latest 5, newest first. Every check must pass, with no 5xx.
// All start at once; between steps a user thinks (THINK_MS, 0.5-1.5x): typing a code, reading.
import http from "k6/http";
import { check, sleep } from "k6";
import { Counter } from "k6/metrics";
import { type Options } from "k6/options";
import { baseUrl, bearer, count, member, postJson } from "./lib/api.ts";
import { anotherCode, issue, verify } from "./lib/sessions.ts";

const BASE = baseUrl();
const USERS = count("USERS", 1000);
const RACERS = count("RACERS", 10);
const RACE_EVERY = count("RACE_EVERY", 4);
const THINK_MS = count("THINK_MS", 1000);
const TERMS = ["redis", "cache", "ttl", "lua", "sentinel", "stream"];

const serverErrors = new Counter("server_errors");
const raceWinners = new Counter("concurrent_verifications_won");
const races = new Counter("concurrent_verification_races");

export const options: Options = {
  scenarios: {
    users: { executor: "per-vu-iterations", vus: USERS, iterations: 1, maxDuration: "5m" },
  },
  thresholds: {
    checks: ["rate==1"],
    server_errors: ["count==0"],
    // Reported per step ("max>=0" always holds; it makes k6 keep the sub-metric).
    ...Object.fromEntries(
      ["issue", "wrong", "right", "again", "race", "search", "history"].map((step) => [
        `http_req_duration{step:${step}}`,
        ["max>=0"],
      ]),
    ),
  },
  summaryTrendStats: ["avg", "med", "p(95)", "p(99)", "max"],
};
// 401 and 404 are answers this scenario expects; k6 would count them as failures.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 401, 404));

function think(): void {
  sleep((THINK_MS / 1000) * (0.5 + Math.random()));
}

function watch(response: { status: number }): void {
  if (response.status >= 500) {
    serverErrors.add(1);
  }
}

export default function (): void {
  const user = `user-${__VU}-${Date.now() % 100000}`;
  const first = issue(BASE, user);
  watch(first.response);
  check(first.response, { "issued, 201": (r) => r.status === 201 });
  think();

  const wrong = verify(BASE, user, anotherCode(first.code), "wrong");
  watch(wrong);
  check(wrong, {
    "a wrong code is 401": (r) => r.status === 401,
    "and leaves 4 attempts": (r) => r.status === 401 && member<number>(r, "attempts_left") === 4,
  });
  think();

  const right = verify(BASE, user, first.code, "right");
  watch(right);
  check(right, { "the right code is 200 with a token": (r) => r.status === 200 });
  think();

  const again = verify(BASE, user, first.code, "again");
  watch(again);
  check(again, { "the same code again is 404": (r) => r.status === 404 });
  think();

  if (__VU % RACE_EVERY === 0) {
    race(user);
  }

  if (right.status !== 200) {
    return;
  }
  const session = bearer(member<string>(right, "token"));
  for (const term of TERMS) {
    watch(postJson(`${BASE}/me/searches`, { term }, session, { step: "search" }));
    think();
  }
  const history = http.get(`${BASE}/me/searches`, { headers: session, tags: { step: "history" } });
  watch(history);
  check(history, {
    "the latest 5 terms, newest first": (r) =>
      JSON.stringify(member<string[]>(r, "terms")) ===
      JSON.stringify([...TERMS].reverse().slice(0, 5)),
  });
}

/** A second code for `user`, sent RACERS times at once: exactly one may win. */
function race(user: string): void {
  const second = issue(BASE, user);
  watch(second.response);
  const racing = http.batch(
    Array.from({ length: RACERS }, () => ({
      method: "POST",
      url: `${BASE}/otp/verify`,
      body: JSON.stringify({ user_id: user, code: second.code }),
      params: { headers: { "Content-Type": "application/json" }, tags: { step: "race" } },
    })),
  );
  racing.forEach(watch);
  const won = racing.filter((r) => r.status === 200).length;
  races.add(1);
  raceWinners.add(won);
  check(racing, {
    "of concurrent verifications of one code, exactly one wins": () => won === 1,
    "the others find no code (404)": (rs) => rs.every((r) => r.status === 200 || r.status === 404),
  });
}
