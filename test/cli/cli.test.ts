// The `skywalker` command as a user runs it: a real process, stdout, stderr and exit codes.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/run-record.ts";
import { startDnsServer } from "../helpers/dns-server.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(repo, "bin/skywalker.js");
let work: string;

function skywalker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: work, env: { ...process.env, LOG_LEVEL: "info", ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "skywalker-cli-"));
  await cp(join(repo, "functions"), join(work, "functions"), { recursive: true });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("skywalker run", () => {
  it("runs hello-skywalker from ./functions and prints a run record with pi; logs go to stderr", async () => {
    const { code, stdout, stderr } = await skywalker(["run", "hello-skywalker"]);
    expect(code).toBe(0);
    const record = JSON.parse(stdout) as RunRecord;
    expect(record).toMatchObject({ function: "hello-skywalker", executor: "default", status: "succeeded", error: null, attempt: 1 });
    expect((record.result as { pi: number }).pi).toBeCloseTo(Math.PI, 5);
    expect(record.logs.map((entry) => entry.msg)).toContain("testing testing");
    expect(record.steps).toHaveLength(1);
    expect(stderr).toContain("testing testing");
    expect(stdout).not.toContain("\"level\":30");
  });

  it("replaces the config's args with --args", async () => {
    const { code, stdout } = await skywalker(["run", "hello-skywalker", "--args", '{"name":"Ada"}', "--functions", "./functions"]);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as RunRecord).result).toMatchObject({ greeting: "hello, Ada" });
  });

  it("runs a workflow step by step, the second step reading the first one's result", async () => {
    const { code, stdout } = await skywalker(["run", "workflow-skywalker"]);
    expect(code).toBe(0);
    const record = JSON.parse(stdout) as RunRecord;
    expect(record.executor).toBe("workflow");
    expect(record.steps.map((step) => [step.handler, step.status])).toEqual([
      ["hello-skywalker.main", "succeeded"],
      ["workflow-skywalker.main", "succeeded"],
    ]);
    expect(record.result).toEqual({ step: 1, piRounded: 3.1416 });
  });

  it("skips an active-passive function with the reason and exits 1 when the check cannot decide", async () => {
    const { code, stdout } = await skywalker(["run", "active-passive-skywalker"], { SKYWALKER_ACTIVE_ENDPOINT: "", SKYWALKER_CLUSTER: "" });
    expect(code).toBe(1);
    const record = JSON.parse(stdout) as RunRecord;
    expect(record.status).toBe("skipped");
    expect(record.error?.code).toBe("ERR_ACTIVE_CHECK_FAILED");
    expect(record.skipReason).toContain("SKYWALKER_ACTIVE_ENDPOINT");
  });

  it("runs an active-passive function only in the cluster its endpoint's CNAME names", async () => {
    const dns = await startDnsServer({ cname: { "payments.example.com": "payments.us-east.example.com" } });
    try {
      const env = { SKYWALKER_ACTIVE_ENDPOINT: "payments.example.com", SKYWALKER_DNS_SERVERS: dns.address };
      const active = await skywalker(["run", "active-passive-skywalker"], { ...env, SKYWALKER_CLUSTER: "us-east" });
      expect(active.code).toBe(0);
      expect(JSON.parse(active.stdout)).toMatchObject({ status: "succeeded", executor: "active-passive", result: { service: "payments" } });
      const passive = await skywalker(["run", "active-passive-skywalker"], { ...env, SKYWALKER_CLUSTER: "eu-west" });
      expect(passive.code).toBe(0);
      const record = JSON.parse(passive.stdout) as RunRecord;
      expect(record).toMatchObject({ status: "skipped", error: null, steps: [] });
      expect(record.skipReason).toBe('passive: payments.example.com → payments.us-east.example.com does not match cluster "eu-west"');
    } finally {
      await dns.close();
    }
  });

  it("exits 2 naming the function when it does not exist, and for bad --args", async () => {
    const missing = await skywalker(["run", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('ERR_FUNCTION_NOT_FOUND: no function named "nope"');
    expect(missing.stdout).toBe("");
    const badArgs = await skywalker(["run", "hello-skywalker", "--args", "{oops"]);
    expect(badArgs.code).toBe(2);
    expect(badArgs.stderr).toContain("--args is not valid JSON");
  });

  it("skips a disabled function, as the original did, and exits 0", async () => {
    await cp(join(work, "functions"), join(work, "disabled"), { recursive: true });
    const configFile = join(work, "disabled/hello-skywalker/hello-skywalker-config.json");
    await writeFile(configFile, JSON.stringify({ ...JSON.parse(await readFile(configFile, "utf8")), enabled: false }));
    const { code, stdout } = await skywalker(["run", "hello-skywalker", "--functions", "./disabled"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: "skipped", error: null, skipReason: "the function is disabled (enabled: false in its config)", logs: [] });
  });

  it("exits 1 when the function fails, with the error code in the record", async () => {
    await cp(join(work, "functions"), join(work, "failing"), { recursive: true });
    await writeFile(join(work, "failing/hello-skywalker/hello-skywalker.ts"), 'export async function main() { throw new RangeError("bad day"); }\n');
    const { code, stdout } = await skywalker(["run", "hello-skywalker", "--functions", "./failing"]);
    expect(code).toBe(1);
    const record = JSON.parse(stdout) as RunRecord;
    expect(record).toMatchObject({ status: "failed", error: { code: "ERR_HANDLER_THREW", name: "RangeError", message: "bad day" } });
  });
});

describe("skywalker validate", () => {
  it("reports each broken function by file and field, and still lists the good ones", async () => {
    await cp(join(work, "functions"), join(work, "broken"), { recursive: true });
    const configFile = join(work, "broken/hello-skywalker/hello-skywalker-config.json");
    const config = JSON.parse(await readFile(configFile, "utf8")) as { schedule: { cron: string }[] };
    config.schedule[2]!.cron = "every 6h"; // the original's own example
    await writeFile(configFile, JSON.stringify(config));
    const { code, stdout } = await skywalker(["validate", "./broken"]);
    expect(code).toBe(2);
    expect(stdout).toContain('invalid hello-skywalker: hello-skywalker/hello-skywalker-config.json: schedule[2].cron: "every 6h" is not a schedule');
    expect(stdout).toContain('did you mean "@every 6h"?');
    expect(stdout).toContain("ok      active-passive-skywalker");
    expect(stdout).toContain("3 valid, 1 invalid");
  });
});

describe("skywalker new", () => {
  it("scaffolds a typed TypeScript function that run executes as is", async () => {
    const created = await skywalker(["new", "disk-check", "--functions", "./scaffolded"]);
    expect(created.code).toBe(0);
    const config = JSON.parse(await readFile(join(work, "scaffolded/disk-check/config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ name: "disk-check", handler: "disk-check.main", limits: { memoryMb: 64, timeoutMs: 10000 } });
    expect(await readFile(join(work, "scaffolded/disk-check/disk-check.ts"), "utf8")).toContain('import type { Handler } from "skywalker"');
    const { code, stdout } = await skywalker(["run", "disk-check", "--functions", "./scaffolded"]);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as RunRecord).result).toMatchObject({ greeted: "world" });
    expect((await skywalker(["new", "disk-check", "--functions", "./scaffolded"])).code).toBe(2);
    expect((await skywalker(["new", "Bad Name"])).code).toBe(2);
  });

  it("refuses a name a module of the folder already has, which would make its imports ambiguous", async () => {
    const { code, stderr } = await skywalker(["new", "alerts", "--functions", "./functions"]);
    expect(code).toBe(2);
    expect(stderr).toContain('"alerts" is already the bare name of functions/lib/alerts.ts');
    expect((await skywalker(["validate", "./functions"])).code).toBe(0);
  });

  it("refuses a name that cannot be a Kubernetes label, saying why", async () => {
    const trailing = await skywalker(["new", "x_", "--functions", "./scaffolded"]);
    expect(trailing.code).toBe(2);
    expect(trailing.stderr).toContain("starting and ending with a letter or digit");
    const long = await skywalker(["new", "a".repeat(64), "--functions", "./scaffolded"]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain("it has 64 characters, and a Kubernetes label takes at most 63");
    expect((await skywalker(["new", "a".repeat(63), "--functions", "./scaffolded"])).code).toBe(0);
  });
});
