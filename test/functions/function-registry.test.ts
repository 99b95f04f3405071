// Reloading keeps a function's last good version running when its new config is broken.
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";

const fixtures = fileURLToPath(new URL("../fixtures/queue-functions", import.meta.url));
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("function registry", () => {
  it("keeps the last good version of a function whose config breaks, reports the error, and drops a deleted one", async () => {
    dir = await mkdtemp(join(tmpdir(), "skywalker-registry-"));
    await cp(fixtures, dir, { recursive: true });
    const registry = await FunctionRegistry.open(dir, pino({ level: "silent" }));
    const before = registry.get("echo");
    const changes: string[][] = [];
    registry.on("change", ({ changed }) => changes.push(changed));

    await writeFile(join(dir, "echo/config.json"), '{ "name": "echo", "executor": "default", "handler": "echo.main", "schedule": [{ "environment": "p", "cron": "every 6h" }] }');
    await registry.reload();
    expect(registry.get("echo")).toBe(before);
    expect(registry.loadError("echo")).toMatchObject({ keptLastGood: true, code: "ERR_CONFIG_INVALID" });
    expect(registry.loadError("echo")?.message).toMatch(/schedule\[0\]\.cron: .* \(the last good version keeps running\)$/);
    expect(changes).toEqual([["echo"]]);

    await rm(join(dir, "echo"), { recursive: true });
    await registry.reload();
    expect(registry.get("echo")).toBeUndefined();
    expect(registry.loadError("echo")).toBeUndefined();
    expect(registry.functions().map((fn) => fn.name)).toEqual(["flaky", "slow", "spin"]);
  });
});
