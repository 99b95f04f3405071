// A function that aborts its whole host process (V8 gives up despite the isolate's memory limit):
// the supervisor survives, the guilty run fails, innocent runs in flight are re-run, and a
// function that keeps doing it is quarantined.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandboxHarness } from "../helpers/sandbox-harness.ts";
import type { SandboxHarness } from "../helpers/sandbox-harness.ts";

let h: SandboxHarness;
beforeAll(async () => {
  h = await openSandboxHarness({ quarantineAfter: 3 });
});
afterAll(() => h.close());

describe("sandbox host crashes", () => {
  it("fails the guilty run with ERR_SANDBOX_CRASHED and replaces the host", async () => {
    await h.expectHealthy();
    const restarts = h.pool.hostRestarts;
    const record = await h.run("crash-host");
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "ERR_SANDBOX_CRASHED", retryable: true });
    expect(record.error?.message).toMatch(/signal SIGABRT|exit code/);
    expect(h.pool.hostRestarts).toBe(restarts + 1);
    await h.expectHealthy();
  });

  it("re-runs an innocent run that shared the dying host, which then succeeds", async () => {
    const bystander = h.run("slow-bystander");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const crasher = await h.run("crash-host");
    expect(crasher.error?.code).toBe("ERR_SANDBOX_CRASHED");
    const innocent = await bystander;
    expect(innocent.status).toBe("succeeded");
    expect(innocent.result).toEqual({ survived: true });
  });

  it("quarantines a function after repeated proven crashes, without crashing anything more", async () => {
    // two proven crashes so far (one alone, one re-run alone); one more reaches the limit
    expect((await h.run("crash-host")).error?.code).toBe("ERR_SANDBOX_CRASHED");
    expect(h.pool.quarantined()).toHaveLength(1);
    const restarts = h.pool.hostRestarts;
    const record = await h.run("crash-host");
    expect(record.error).toMatchObject({ code: "ERR_QUARANTINED", retryable: false });
    expect(record.error?.message).toContain("crash-host is quarantined");
    expect(h.pool.hostRestarts).toBe(restarts);
    await h.expectHealthy();
  });

  it("releases the quarantine when the function is reloaded", async () => {
    h.pool.forget("crash-host");
    expect(h.pool.quarantined()).toEqual([]);
  });
});

describe("an isolate that runs on after its memory limit", () => {
  it("ends its host at once, not when the host's memory reaches its limit, and fails the run", async () => {
    const restarts = h.pool.hostRestarts;
    const record = await h.run("memory-runaway");
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("ERR_SANDBOX_CRASHED");
    expect(record.error?.message).toContain("an isolate went on running 250 ms after it was disposed (over its memory limit of 32 MiB)");
    expect(h.pool.hostRestarts).toBe(restarts + 1);
    await h.expectHealthy();
  });
});
