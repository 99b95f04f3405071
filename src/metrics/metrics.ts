// Prometheus metrics of a Skywalker process. One registry per process: in the all-in-one mode
// every role reports into it and the proxy's /metrics shows them all.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  runs: Counter<"function" | "status">;
  runDuration: Histogram<"function">;
  queueDepth: Gauge<"state">;
  sandboxRestarts: Counter;
  scheduleLateness: Histogram<"function">;
  skippedTicks: Counter<"function" | "reason">;
  ticks: Counter<"function">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "skywalker_process_" });
  return {
    registry,
    runs: new Counter({ name: "skywalker_runs_total", help: "Runs finished, by function and status", labelNames: ["function", "status"], registers: [registry] }),
    runDuration: new Histogram({
      name: "skywalker_run_duration_seconds",
      help: "Run duration, from start in the executor to its record",
      labelNames: ["function"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60],
      registers: [registry],
    }),
    queueDepth: new Gauge({ name: "skywalker_queue_jobs", help: "Jobs in the run queue, by state", labelNames: ["state"], registers: [registry] }),
    sandboxRestarts: new Counter({ name: "skywalker_sandbox_restarts_total", help: "Sandbox host processes replaced after dying", registers: [registry] }),
    scheduleLateness: new Histogram({
      name: "skywalker_schedule_lateness_seconds",
      help: "Fire time minus due time of schedule ticks",
      labelNames: ["function"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    skippedTicks: new Counter({ name: "skywalker_skipped_ticks_total", help: "Schedule ticks that did not start a run", labelNames: ["function", "reason"], registers: [registry] }),
    ticks: new Counter({ name: "skywalker_ticks_total", help: "Schedule ticks fired", labelNames: ["function"], registers: [registry] }),
  };
}
