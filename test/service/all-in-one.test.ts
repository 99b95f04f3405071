// `skywalker start` as `npm start` runs it: its own redis-server, all three roles, the examples on
// schedule, the original's payload answered, and a clean stop on Ctrl-C.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { phaseOf } from "../../src/chronomaster/tick-clock.ts";
import type { RunRecord } from "../../src/run-record.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));

describe("skywalker start (all in one)", () => {
  let dataDir: string;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("runs the examples end to end and stops cleanly on SIGINT", async () => {
    dataDir = await mkdtemp(join(tmpdir(), "skywalker-data-"));
    const env: NodeJS.ProcessEnv = { ...process.env, SKYWALKER_PROXY_PORT: "0", SKYWALKER_GUI_PORT: "0", SKYWALKER_DATA_DIR: dataDir, SKYWALKER_FUNCTIONS: join(repo, "functions"), LOG_LEVEL: "warn" };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, [join(repo, "bin/skywalker.js"), "start"], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const started = Date.now();
      while (!/GUI {2}http:\/\/\S+/.test(stderr)) {
        if (Date.now() - started > 20_000 || child.exitCode !== null) throw new Error(`did not start: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const api = /API {2}(http:\/\/\S+)/.exec(stderr)![1]!;
      const gui = /GUI {2}(http:\/\/\S+)/.exec(stderr)![1]!;
      expect(stderr).toMatch(/Redis redis:\/\/127\.0\.0\.1:\d+ \(started by Skywalker/);

      const plain = await fetch(`${api}/execute?wait=1`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ function: "hello-skywalker" }) });
      const record = (await plain.json()) as RunRecord;
      expect(record.status).toBe("succeeded");
      expect((record.result as { pi: number }).pi).toBeCloseTo(Math.PI, 5);

      const originalPayload = { "job-name": "hello-skywalker", "python-codes-config": "hello-skywalker-config.json", "python-codes-args": { name: "from the original" }, environment: "production", cron: "@every 10s", "cron-enabled": true };
      const accepted = await fetch(`${api}/execute`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(originalPayload) });
      expect(accepted.status).toBe(202);
      const { task_id: taskId } = (await accepted.json()) as { task_id: string };
      let run: RunRecord | undefined;
      for (let i = 0; i < 100 && run?.status !== "succeeded"; i++) {
        run = (await (await fetch(`${api}/runs/${taskId}`)).json()) as RunRecord;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(run?.result).toMatchObject({ greeting: "hello, from the original" });

      // workflow-skywalker fires @every 5s in production
      let scheduled: RunRecord[] = [];
      for (let i = 0; i < 70 && !scheduled.some((r) => r.status === "succeeded"); i++) {
        scheduled = ((await (await fetch(`${api}/functions/workflow-skywalker/runs`)).json()) as { runs: RunRecord[] }).runs;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const tick = scheduled.find((r) => r.status === "succeeded");
      // at the function's own offset in each 5 s period
      expect(Date.parse(tick!.scheduledAt!) % 5000).toBe(phaseOf("workflow-skywalker", 5000));
      expect(tick?.steps.map((step) => step.status)).toEqual(["succeeded", "succeeded"]);

      const state = (await (await fetch(`${gui}/api/state`)).json()) as { state: string; executors: unknown[] };
      expect(state.state).toBe("running");
      expect(state.executors).toHaveLength(1);
    } finally {
      child.kill("SIGINT");
    }
    const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(stderr).not.toContain("Unhandled error");
  });
});
