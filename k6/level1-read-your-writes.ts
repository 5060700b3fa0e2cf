// Level 1, read-your-writes across a fleet: readers keep two cached instances busy while an
// administrator posts a notice every second on one of them; right after each 201, a burst of
// reads on both instances must every one show that notice first.
import http from "k6/http";
import { check, sleep } from "k6";
import { Counter } from "k6/metrics";
import { type Options } from "k6/options";
import { adminHeaders, baseUrl, count, member, postJson } from "./lib/api.ts";

const FIRST = baseUrl("BASE_URL");
const SECOND = baseUrl("OTHER_URL");
const SECONDS = count("SECONDS", 30);
const READERS = count("READERS", 100);
const BURST = count("BURST", 20);

const stale = new Counter("stale_pages_after_a_post");
const posts = new Counter("notices_posted");
const checked = new Counter("pages_read_after_a_post");

export const options: Options = {
  scenarios: {
    writer: {
      executor: "constant-arrival-rate",
      rate: 1,
      timeUnit: "1s",
      duration: `${SECONDS}s`,
      preAllocatedVUs: 2,
      exec: "postThenRead",
    },
    readers: {
      executor: "constant-vus",
      vus: READERS,
      duration: `${SECONDS}s`,
      exec: "read",
    },
  },
  thresholds: {
    checks: ["rate==1"],
    stale_pages_after_a_post: ["count==0"],
  },
};

export function postThenRead(): void {
  const instance = __ITER % 2 === 0 ? FIRST : SECOND;
  const posted = postJson(
    `${instance}/notices`,
    { title: `news ${__ITER}`, body: "posted under load" },
    adminHeaders(),
    { step: "post" },
  );
  if (!check(posted, { "posted, 201": (r) => r.status === 201 })) {
    return;
  }
  posts.add(1);
  const id = member<number>(posted, "id");
  const pages = http.batch(
    Array.from({ length: BURST }, (_, n) => ({
      method: "GET",
      url: `${n % 2 === 0 ? FIRST : SECOND}/notices`,
      params: { tags: { step: "read-after-post" } },
    })),
  );
  checked.add(pages.length);
  for (const page of pages) {
    const newest = page.status === 200 ? member<number>(page, "items.0.id") : -1;
    if (newest !== id) {
      stale.add(1);
    }
    check(page, { "a page read after the 201 shows the notice first": () => newest === id });
  }
}

export function read(): void {
  const response = http.get(`${__VU % 2 === 0 ? FIRST : SECOND}/notices`, {
    tags: { step: "read" },
  });
  check(response, { "a page, 200": (r) => r.status === 200 });
  sleep(0.05 + Math.random() * 0.1);
}
