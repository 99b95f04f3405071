// Hostile values crossing the boundary: results that cannot be copied, thrown non-Errors,
// rejections left behind. None may hurt the host; each fails the run with a readable error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSandboxHarness } from "../helpers/sandbox-harness.ts";
import type { SandboxHarness } from "../helpers/sandbox-harness.ts";

let h: SandboxHarness;
beforeAll(async () => {
  h = await openSandboxHarness();
});
afterAll(() => h.close());

describe("results that cannot be copied", () => {
  it.each([
    ["cyclic-result", "Converting circular structure to JSON"],
    ["bigint-result", "BigInt"],
    ["throwing-getter", "getter threw"],
    ["throwing-tojson", "toJSON threw"],
  ])("%s fails with ERR_RESULT_NOT_SERIALIZABLE", async (name, messagePart) => {
    const record = await h.run(name);
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("ERR_RESULT_NOT_SERIALIZABLE");
    expect(record.error?.message).toContain(messagePart);
    await h.expectHealthy();
  });

  it("fails a result nested deeper than 64 levels, which would overflow the host's serialisers, and the host lives", async () => {
    const record = await h.run("deep-result");
    expect(record.status).toBe("failed");
    expect(record.error).toMatchObject({ code: "ERR_RESULT_NOT_SERIALIZABLE", message: "the result nests deeper than 64 levels" });
    expect(h.pool.hostRestarts).toBe(0);
    await h.expectHealthy();
  });

  it("refuses to store such a value in ctx.state, where it could never be read back", async () => {
    const record = await h.run("deep-result", { state: true });
    expect(record.result).toBe("refused: ctx.state.set: the value nests deeper than 64 levels");
  });

  it("reports a function result as null, as JSON would", async () => {
    const record = await h.run("function-result");
    expect(record).toMatchObject({ status: "succeeded", result: null });
  });
});

describe("thrown values", () => {
  it.each([
    ["throw-number", "a non-Error value was thrown: 42"],
    ["throw-string", "a non-Error value was thrown: just a string"],
    ["throw-null", "a non-Error value was thrown: null"],
    ["throw-object", ""],
    ["throw-proxy", ""],
    ["throw-message-getter", "(message getter threw)"],
  ])("%s fails with ERR_HANDLER_THREW and a readable message", async (name, message) => {
    const record = await h.run(name);
    expect(record.status).toBe("failed");
    expect(record.error?.code).toBe("ERR_HANDLER_THREW");
    expect(typeof record.error?.message).toBe("string");
    if (message !== "") expect(record.error?.message).toBe(message);
    await h.expectHealthy();
  });

  it("keeps a huge error's message, cut to 8 KiB, as the handler's own error", async () => {
    const record = await h.run("huge-error");
    expect(record.error?.code).toBe("ERR_HANDLER_THREW");
    expect(record.error?.message).toBe(`${"x".repeat(8192)}…`);
    await h.expectHealthy();
  });

  it("fails a run that leaves a rejected promise unhandled, and the next run works", async () => {
    const first = await h.run("unhandled-rejection", { leave: true });
    expect(first.status).toBe("failed");
    expect(first.error?.code).toBe("ERR_UNHANDLED_REJECTION");
    expect(first.error?.message).toContain("left behind");
    const second = await h.run("unhandled-rejection");
    expect(second).toMatchObject({ status: "succeeded", result: { left: false } });
  });

  it("fails the run when a timer callback throws", async () => {
    const record = await h.run("timer-throws");
    expect(record.error).toMatchObject({ code: "ERR_HANDLER_THREW", message: "thrown in a timer" });
    await h.expectHealthy();
  });

  it("reports an error thrown by a module's top-level code, on every run", async () => {
    for (let i = 0; i < 2; i++) {
      const record = await h.run("module-init-throws");
      expect(record.error).toMatchObject({ code: "ERR_MODULE_INIT", message: "broken at import time" });
    }
    await h.expectHealthy();
  });

  it("survives console.log of cycles, throwing getters, proxies and huge arrays", async () => {
    const record = await h.run("hostile-console");
    expect(record.status).toBe("succeeded");
    expect(record.logs[0]?.msg).toContain("[Circular]");
    expect(record.logs[0]?.msg).toContain("[Getter threw]");
    expect(record.logs[0]?.msg).toContain("... 950 more items");
  });
});
