// Reading the service's own counters from /metrics (Prometheus text format).
import http from "k6/http";

/** The value of one sample, e.g. `db_queries_total{operation="page"}`; 0 when absent. */
export function sample(base: string, name: string, labels: Record<string, string> = {}): number {
  const text = String(http.get(`${base}/metrics`, { tags: { step: "metrics" } }).body);
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort();
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) {
      continue;
    }
    const open = line.indexOf("{");
    const close = line.indexOf("}");
    const labelText = open >= 0 && close > open ? line.slice(open + 1, close) : "";
    const found = labelText === "" ? [] : labelText.split(",").sort();
    if (wanted.every((label) => found.includes(label))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}
