// Level 3, the thundering herd: USERS users (logged in during setup) claim QUANTITY coupons at
// once, VUS of them in flight, under one STRATEGY. `atomic` and `lock` must grant exactly
// QUANTITY and never two to one user; `naive` over-issues, and how much is the result.
// Claimers behave as the API asks: a 503 (the deadline passed, the lock stayed busy, or the
// archive did not confirm the coupon) is retried after Retry-After; a 409 after a 503 means the
// claim had gone through after all, and its problem document carries the coupon the claimer
// holds (a lost 201, recovered). Under `naive`, a 409 without a coupon is the race's double
// the archive refused: the number handed out is another user's.
// The claim window (first claim sent to last answer) gives claims answered per second.
// EVENT_IDS (comma-separated, opened beforehand with STRATEGY) spreads the users over several
// events, user n on the (n mod count)-th: each must end with exactly QUANTITY (load level 3 on
// a cluster puts them on different shards); without it, setup opens one.
import http from "k6/http";
import { check, sleep } from "k6";
import { Counter, Gauge } from "k6/metrics";
import { type Options } from "k6/options";
import { adminHeaders, baseUrl, bearer, count, member, postJson, setting } from "./lib/api.ts";
import { loginAll, type Session } from "./lib/sessions.ts";

const BASE = baseUrl();
const STRATEGY = setting("STRATEGY", "atomic");
const USERS = count("USERS", 5000);
const VUS = count("VUS", 1000);
const QUANTITY = count("QUANTITY", 100);
const SAFE = STRATEGY !== "naive";
const ATTEMPTS = 4;
const EVENT_IDS = (__ENV.EVENT_IDS ?? "")
  .split(",")
  .filter((id) => id !== "")
  .map(Number);
const EVENTS = Math.max(1, EVENT_IDS.length);

const granted = new Counter("claims_granted");
const refused = new Counter("claims_refused");
const retried = new Counter("claims_retried_after_503");
const learnedLate = new Counter("claims_granted_behind_a_503");
const numberTaken = new Counter("claims_number_taken");
const windowStart = new Gauge("claim_window_start_ms");
const windowEnd = new Gauge("claim_window_end_ms");
const issued = new Gauge("coupons_issued");
const offNumber = new Gauge("events_not_sold_exactly");
const overIssued = new Gauge("coupons_over_issued");
const sharedNumbers = new Gauge("coupon_numbers_given_twice");
const usersTwice = new Gauge("users_holding_two");

export const options: Options = {
  setupTimeout: "5m",
  scenarios: {
    herd: {
      executor: "per-vu-iterations",
      vus: VUS,
      iterations: Math.ceil(USERS / VUS),
      maxDuration: "5m",
      tags: { strategy: STRATEGY },
    },
  },
  thresholds: {
    checks: ["rate==1"],
    // Reported for every strategy ("max>=0" always holds; it makes k6 keep the sub-metric).
    "http_req_duration{step:claim}": ["max>=0"],
    "http_reqs{step:claim}": ["count>=0"],
    ...(SAFE
      ? {
          claims_granted: [`count==${QUANTITY * EVENTS}`],
          coupons_issued: [`value==${QUANTITY * EVENTS}`],
          events_not_sold_exactly: ["value==0"],
          coupon_numbers_given_twice: ["value==0"],
          users_holding_two: ["value==0"],
        }
      : {}),
  },
};
// 409, 410 and, for `lock`, 503 (the lock stayed busy: try again) are answers, not failures.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }, 409, 410, 503));

interface Herd {
  eventIds: number[];
  sessions: Session[];
}

export function setup(): Herd {
  let eventIds = EVENT_IDS;
  if (eventIds.length === 0) {
    const opened = postJson(
      `${BASE}/coupon-events`,
      { name: `herd ${STRATEGY}`, quantity: QUANTITY, strategy: STRATEGY },
      adminHeaders(),
    );
    eventIds = [member<number>(opened, "id")];
  }
  const ids = Array.from({ length: USERS }, (_, n) => `${STRATEGY}-claimer-${n}`);
  return { eventIds, sessions: loginAll(BASE, ids) };
}

export default function (herd: Herd): void {
  const index = (__VU - 1) * Math.ceil(USERS / VUS) + __ITER;
  if (index >= herd.sessions.length) {
    return;
  }
  const eventId = herd.eventIds[index % herd.eventIds.length];
  const url = `${BASE}/coupon-events/${eventId}/claims`;
  const params = { headers: bearer(herd.sessions[index].token), tags: { step: "claim" } };
  windowStart.add(Date.now());
  let response = http.post(url, null, params);
  let answered503 = false;
  for (let attempt = 1; response.status === 503 && attempt < ATTEMPTS; attempt += 1) {
    answered503 = true;
    retried.add(1);
    sleep(Number(response.headers["Retry-After"] ?? "1"));
    response = http.post(url, null, params);
  }
  windowEnd.add(Date.now());
  const named = typeof heldCoupon(response) === "number";
  const lateGrant = response.status === 409 && answered503 && named;
  const taken = !SAFE && response.status === 409 && !named;
  if (taken) {
    numberTaken.add(1);
  }
  if (response.status === 201 || lateGrant) {
    granted.add(1);
    if (lateGrant) {
      learnedLate.add(1);
    }
  } else {
    refused.add(1, { status: String(response.status) });
  }
  check(response, {
    "claimed (201, or 409 behind a 503 naming the coupon), sold out (410), or naive's double": (
      r,
    ) => r.status === 201 || r.status === 410 || lateGrant || taken,
  });
}

/** The `coupon_id` a 409's problem document names, if any. */
function heldCoupon(response: { body: unknown }): unknown {
  try {
    return (JSON.parse(String(response.body)) as { coupon_id?: unknown }).coupon_id;
  } catch {
    return undefined;
  }
}

export function teardown(herd: Herd): void {
  const tags = { strategy: STRATEGY };
  const totals = { issued: 0, over: 0, shared: 0, twice: 0, off: 0 };
  for (const eventId of herd.eventIds) {
    const event = http.get(`${BASE}/coupon-events/${eventId}`);
    const claims: { user_id: string; coupon_id: number }[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = http.get(
        `${BASE}/coupon-events/${eventId}/claims?limit=100&offset=${offset}`,
        { headers: adminHeaders() },
      );
      const items = member<{ user_id: string; coupon_id: number }[]>(page, "items");
      claims.push(...items);
      if (items.length < 100) {
        break;
      }
    }
    const numbers = new Set(claims.map((claim) => claim.coupon_id));
    const users = new Set(claims.map((claim) => claim.user_id));
    const eventIssued = member<number>(event, "issued");
    totals.issued += eventIssued;
    totals.over += Math.max(0, claims.length - QUANTITY);
    totals.shared += claims.length - numbers.size;
    totals.twice += claims.length - users.size;
    totals.off += eventIssued === QUANTITY ? 0 : 1;
  }
  issued.add(totals.issued, tags);
  overIssued.add(totals.over, tags);
  sharedNumbers.add(totals.shared, tags);
  usersTwice.add(totals.twice, tags);
  offNumber.add(totals.off, tags);
}
