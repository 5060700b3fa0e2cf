// Level 4, ingestion through a failover: an open model (constant-arrival-rate) of POST /usage,
// each request a new `seq`, while ops/chaos.py kills or freezes the Redis master. Nothing is
// checked here: the runner audits k6's JSON output (every request's status, time and `seq`)
// against what Redis holds afterwards.
import http from "k6/http";
import exec from "k6/execution";
import { type Options } from "k6/options";
import { baseUrl, count, ingestHeaders, setting } from "./lib/api.ts";

const BASE = baseUrl();
const RATE = count("RATE", 200);
const SECONDS = count("SECONDS", 20);
const SOURCE = setting("SOURCE", "chaos");

export const options: Options = {
  scenarios: {
    ingest: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: `${SECONDS}s`,
      preAllocatedVUs: Math.max(10, Math.ceil(RATE / 4)),
      maxVUs: Math.max(50, RATE * 3), // a stalled master holds requests for their deadline
    },
  },
  // Only what the audit and the timeline read; `seq` names each request.
  systemTags: ["status", "method", "name"],
  summaryTrendStats: ["med", "p(95)", "p(99)", "max"],
};

export default function (): void {
  const seq = exec.scenario.iterationInTest;
  http.post(`${BASE}/usage`, JSON.stringify({ source: SOURCE, seq }), {
    headers: ingestHeaders(),
    tags: { seq: String(seq), name: "POST /usage" },
    timeout: "5s",
  });
}
