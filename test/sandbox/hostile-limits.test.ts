// Hostile functions against the sandbox's limits: each breach fails the run with its own code,
// and a healthy function runs right after.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandboxHarness } from "../helpers/sandbox-harness.ts";
import type { SandboxHarness } from "../helpers/sandbox-harness.ts";

let h: SandboxHarness;
beforeAll(async () => {
  h = await openSandboxHarness();
});
afterAll(() => h.close());

async function expectFailure(name: string, code: string, messagePart?: string) {
  const record = await h.run(name);
  expect(record.status).toBe("failed");
  expect(record.error?.code).toBe(code);
  if (messagePart !== undefined) expect(record.error?.message).toContain(messagePart);
  await h.expectHealthy();
  return record;
}

describe("time limits", () => {
  it("stops an endless loop at its CPU budget", async () => {
    const record = await expectFailure("endless-loop", "ERR_CPU_LIMIT", "limits.cpuMs");
    expect(record.cpuMs).toBeGreaterThanOrEqual(500);
  });

  it("records the breach on the step it ended, with how long that step ran", async () => {
    const record = await expectFailure("endless-loop", "ERR_CPU_LIMIT");
    expect(record.steps).toHaveLength(1);
    expect(record.steps[0]).toMatchObject({ status: "failed", error: { code: "ERR_CPU_LIMIT" } });
    expect(record.steps[0]!.durationMs).toBeGreaterThanOrEqual(500);
  });

  it("stops a loop at the wall-clock limit when the CPU budget is larger", async () => {
    await expectFailure("endless-loop-wall", "ERR_TIMEOUT", "limits.timeoutMs");
  });

  it("stops an endless async loop", async () => {
    await expectFailure("endless-async-loop", "ERR_CPU_LIMIT");
  });

  it("stops a promise that never resolves at the wall-clock limit", async () => {
    const record = await expectFailure("never-resolves", "ERR_TIMEOUT", "400 ms");
    expect(record.durationMs).toBeGreaterThanOrEqual(390); // timers may fire a millisecond early
  });

  it("never lets a wait longer than the time limit end early and the run succeed", async () => {
    for (let i = 0; i < 5; i++) {
      const record = await h.run("sleeps-past-deadline");
      expect(record.error?.code).toBe("ERR_TIMEOUT");
      expect(record.result).toBeNull();
    }
  });

  it("stops timers that keep re-arming themselves", async () => {
    await expectFailure("rearming-timers", "ERR_TIMEOUT");
  });

  it("stops a catastrophic regular expression", async () => {
    await expectFailure("catastrophic-regex", "ERR_CPU_LIMIT");
  });
});

describe("no code of a function runs outside its runs", () => {
  it("has no FinalizationRegistry, whose callbacks would run whenever the garbage collector decides", async () => {
    await expectFailure("finalizer-spin", "ERR_MODULE_INIT", "FinalizationRegistry is not defined");
  });

  it("drops what a host call brings back after its run ended, so a late continuation cannot spin", async () => {
    for (let i = 0; i < 3; i++) {
      const record = await h.run("late-continuation");
      expect(record.error).toBeNull();
      expect(record.status).toBe("succeeded");
      // The state call settles meanwhile. (Should it land while the step is still pending, its
      // spin is the idle check's to stop, within two checks: see the next test.)
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    await h.expectHealthy();
  });

  it("throws away an isolate that is still running code after its run ended", async () => {
    const first = await h.run("spin-after-report");
    expect(first).toMatchObject({ status: "succeeded", result: "reported" });
    // The host's idle check (every 250 ms) sees the isolate burn CPU with no run in progress
    // (after at most a second's grace for the code-cache refresh that a first success starts,
    // which waits behind the spin).
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const second = await h.run("spin-after-report");
    expect(second.error).toBeNull();
    expect(second.cpuMs).toBeLessThan(500);
    await h.expectHealthy();
  });
});

describe("memory limits", () => {
  it("stops a heap of growing arrays at the isolate's memory limit", async () => {
    await expectFailure("memory-arrays", "ERR_MEMORY_LIMIT", "limits.memoryMb");
  });

  it("fails a run whose timer callback exhausts the heap with the memory limit, not at its time limit", async () => {
    // The isolate dies while the step waits for the timer; the run hears of it at once.
    await expectFailure("memory-in-timer", "ERR_MEMORY_LIMIT", "limits.memoryMb");
  });

  it("stops object churn at the memory limit", async () => {
    await expectFailure("memory-objects", "ERR_MEMORY_LIMIT");
  });

  it("turns string doubling into a RangeError the function could have caught", async () => {
    const record = await expectFailure("memory-strings", "ERR_HANDLER_THREW");
    expect(record.error).toMatchObject({ name: "RangeError", message: "Invalid string length" });
  });

  it("counts ArrayBuffers against the limit (memory outside the heap is bounded too)", async () => {
    const record = await h.run("memory-arraybuffers");
    expect(record.status).toBe("failed");
    expect(["ERR_MEMORY_LIMIT", "ERR_HANDLER_THREW"]).toContain(record.error?.code);
    if (record.error?.code === "ERR_HANDLER_THREW") expect(record.error.message).toBe("Array buffer allocation failed");
    await h.expectHealthy();
  });

  it("turns runaway recursion into a RangeError", async () => {
    const record = await expectFailure("deep-recursion", "ERR_HANDLER_THREW");
    expect(record.error).toMatchObject({ name: "RangeError", message: "Maximum call stack size exceeded" });
  });
});

describe("output limits", () => {
  it("fails a result over maxResultBytes", async () => {
    await expectFailure("huge-result", "ERR_RESULT_TOO_LARGE", "limits.maxResultBytes");
  });

  it("fails a log flood at maxLogBytes and keeps what fit", async () => {
    const record = await expectFailure("log-flood", "ERR_LOG_LIMIT", "limits.maxLogBytes");
    expect(record.logsTruncated).toBe(true);
    expect(record.logs.length).toBeGreaterThan(10);
    const bytes = record.logs.reduce((sum, entry) => sum + Buffer.byteLength(entry.msg) + 1, 0);
    expect(bytes).toBeLessThanOrEqual(4096);
  });

  it("fails a run that leaves more than 1000 timers pending", async () => {
    await expectFailure("too-many-timers", "ERR_TIMER_LIMIT", "1000 timers");
  });
});
