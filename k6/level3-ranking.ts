// Level 3, concurrent score updates: VUS administrators add deltas to MEMBERS members of one
// board at once. Every update must be acknowledged, and every member's final score must be
// the sum of its acknowledged deltas (no update lost, none applied twice).
import http from "k6/http";
import { check } from "k6";
import { Gauge } from "k6/metrics";
import { type Options } from "k6/options";
import { adminHeaders, baseUrl, count, member, postJson } from "./lib/api.ts";

const BASE = baseUrl();
const VUS = count("VUS", 200);
const UPDATES = count("UPDATES", 25);
const MEMBERS = count("MEMBERS", 10);
const BOARD = `load-${Date.now()}`;

const mismatched = new Gauge("ranking_members_mismatched");

export const options: Options = {
  scenarios: {
    updates: { executor: "per-vu-iterations", vus: VUS, iterations: UPDATES, maxDuration: "5m" },
  },
  thresholds: {
    checks: ["rate==1"],
    http_req_failed: ["rate==0"],
    ranking_members_mismatched: ["value==0"],
  },
};

/** The update of a VU's iteration: which member, and by how much (multiples of 0.5, exact). */
function update(vu: number, iteration: number): { member: string; delta: number } {
  return { member: `m${(vu + iteration) % MEMBERS}`, delta: (((vu * 7 + iteration) % 4) + 1) / 2 };
}

export function setup(): { board: string } {
  return { board: BOARD };
}

export default function (data: { board: string }): void {
  const { member: name, delta } = update(__VU, __ITER);
  const response = postJson(
    `${BASE}/rankings/${data.board}/scores`,
    { member: name, delta },
    adminHeaders(),
    { step: "score" },
  );
  check(response, { "acknowledged, 200": (r) => r.status === 200 });
}

export function teardown(data: { board: string }): void {
  const expected = new Map<string, number>();
  for (let vu = 1; vu <= VUS; vu += 1) {
    for (let iteration = 0; iteration < UPDATES; iteration += 1) {
      const { member: name, delta } = update(vu, iteration);
      expected.set(name, (expected.get(name) ?? 0) + delta);
    }
  }
  let wrong = 0;
  for (const [name, score] of expected) {
    const standing = http.get(`${BASE}/rankings/${data.board}/members/${name}`);
    if (standing.status !== 200 || member<number>(standing, "score") !== score) {
      wrong += 1;
    }
  }
  mismatched.add(wrong);
}
