import type { Handler } from "skywalker";
import { FakeElasticsearch } from "fake-elasticsearch";
import { logged } from "base-function";

interface Args {
  name: string;
}

/** pi by the Leibniz series: 4 * (1 - 1/3 + 1/5 - 1/7 + …). */
export function leibnizPi(terms: number): number {
  let sum = 0;
  for (let k = 0; k < terms; k++) sum += (k % 2 === 0 ? 1 : -1) / (2 * k + 1);
  return 4 * sum;
}

export const main: Handler<Args> = logged("hello-skywalker", async (args) => {
  console.log("args:", args);
  const pi = leibnizPi(1_000_000);
  console.log(`pi by the Leibniz series over 1,000,000 terms: ${pi}`);
  const elasticsearch = new FakeElasticsearch("http://elasticsearch:9200");
  elasticsearch.search("logs-*", { match: { level: "error" } });
  console.log("testing testing");
  return { greeting: `hello, ${args.name}`, pi };
});
