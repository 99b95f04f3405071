// The GUI's controls in a real browser against a real service: stop and start, the per-function
// switch, reload, and load errors on the page.
import { describe, expect, it } from "vitest";
import { eventually, ticking, useGuiHarnesses, waitFor } from "./gui-harness.ts";
import type { GuiHarness } from "./gui-harness.ts";

const open = useGuiHarnesses();
const firedAfter = async (h: GuiHarness, name: string, time: number) => (await h.scheduled(name)).filter((run) => Date.parse(run.scheduledAt!) > time);
const row = (name: string) => `#functions tbody tr[data-item="${name}"]`;

describe("chronomaster GUI: controls", () => {
  it("Stop pauses firing (no new runs afterwards) and Start resumes it", async () => {
    const h = await open({ ticker: ticking("ticker") });
    const page = await h.open();
    await page.locator("#state", { hasText: "running" }).waitFor();
    await waitFor("a first scheduled run", async () => (await h.scheduled("ticker")).length > 0);

    await page.getByRole("button", { name: "Stop" }).click();
    await page.locator("#state", { hasText: "stopped" }).waitFor();
    const stoppedAt = Date.now();
    await eventually(() => page.getByRole("button", { name: "Start" }).isEnabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Stop" }).isDisabled()).toBe(true);
    await eventually(() => page.locator(row("ticker")).textContent()).toContain("scheduler stopped");
    // Proving that nothing fires takes time: three @every 1s ticks go by.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await firedAfter(h, "ticker", stoppedAt)).toEqual([]);

    await page.getByRole("button", { name: "Start" }).click();
    await page.locator("#state", { hasText: "running" }).waitFor();
    const startedAt = Date.now();
    await waitFor("a run fired after Start", async () => (await firedAfter(h, "ticker", startedAt)).length > 0, 5000);
    expect((await h.scheduled("ticker")).filter((run) => Date.parse(run.scheduledAt!) > stoppedAt && Date.parse(run.scheduledAt!) <= startedAt - 1000)).toEqual([]);
  });

  it("the switch disables one function only, persisted in Redis for every replica", async () => {
    const h = await open({ ticker: ticking("ticker"), tocker: ticking("tocker") });
    const page = await h.open();
    const tickerSwitch = page.getByRole("switch", { name: "Schedule of ticker" });
    await eventually(() => tickerSwitch.getAttribute("aria-checked")).toBe("true");
    await tickerSwitch.click();
    await eventually(() => tickerSwitch.getAttribute("aria-checked")).toBe("false");
    await eventually(() => tickerSwitch.isEnabled()).toBe(true);
    const disabledAt = Date.now();
    // tocker keeps firing; by the time it fired twice more, ticker would have too
    await waitFor("two more tocker ticks", async () => (await firedAfter(h, "tocker", disabledAt + 1000)).length > 0, 6000);
    expect(await firedAfter(h, "ticker", disabledAt)).toEqual([]);
    expect(await page.getByRole("switch", { name: "Schedule of tocker" }).getAttribute("aria-checked")).toBe("true");

    // persisted: a fresh page and another replica both see it
    await page.reload();
    await eventually(() => page.getByRole("switch", { name: "Schedule of ticker" }).getAttribute("aria-checked")).toBe("false");
    const replica = await h.replica();
    const state = (await (await fetch(`${replica.url}/api/state`)).json()) as { functions: { name: string; disabledByOperator: boolean }[] };
    expect(state.functions.map((fn) => [fn.name, fn.disabledByOperator])).toEqual([["ticker", true], ["tocker", false]]);

    await page.getByRole("switch", { name: "Schedule of ticker" }).click();
    await eventually(() => page.getByRole("switch", { name: "Schedule of ticker" }).getAttribute("aria-checked")).toBe("true");
    const enabledAt = Date.now();
    await waitFor("ticker firing again", async () => (await firedAfter(h, "ticker", enabledAt)).length > 0, 5000);
  });

  it("Reload picks up a changed config.json", async () => {
    const h = await open({ ticker: ticking("ticker", { description: "before" }) });
    const page = await h.open();
    const tickerRow = page.locator(row("ticker"));
    await eventually(() => tickerRow.textContent()).toContain("@every 1s");
    expect(await tickerRow.textContent()).toContain("before");

    await h.writeFunction("ticker", ticking("ticker", { description: "after the reload", version: "2", schedule: [{ environment: "test", cron: "@every 1h" }] }));
    await h.writeFunction("newcomer", ticking("newcomer"));
    await page.getByRole("button", { name: "Reload" }).click();
    await eventually(() => page.locator("#toast").textContent()).toContain("changed: newcomer, ticker");
    await eventually(() => tickerRow.textContent()).toContain("@every 1h");
    expect(await tickerRow.textContent()).toContain("after the reload");
    expect(await tickerRow.textContent()).toContain("v2");
    await page.locator(row("newcomer")).waitFor();
    expect(await page.locator("#function-count").textContent()).toBe("2");
  });

  it("shows a function whose config is broken with its file, field and message", async () => {
    const h = await open({
      ticker: ticking("ticker"),
      typo: { config: { name: "typo", executor: "default", handler: "typo.main", schedule: [{ environment: "test", cron: "every 6h" }] }, code: "export const main = () => 1;" },
    });
    const page = await h.open();
    const card = page.locator("#errors-card");
    await card.waitFor();
    const text = await card.textContent();
    expect(text).toContain("typo");
    expect(text).toContain("typo/config.json");
    expect(text).toContain("ERR_CONFIG_INVALID");
    expect(await card.locator(".field").first().textContent()).toBe("schedule[0].cron");
    expect(text).toContain('"every 6h" is not a schedule');
    expect(text).toContain('did you mean "@every 6h"?');
    expect(await page.locator(row("typo")).count()).toBe(0);

    // breaking a function that ran: its last good version keeps running, and the row says so
    await h.writeFunction("ticker", { config: { name: "ticker", executor: "default", handler: "ticker.main", enable: true }, code: "export const main = () => 1;" });
    await page.getByRole("button", { name: "Reload" }).click();
    await eventually(() => page.locator(row("ticker")).textContent()).toContain("last good version keeps running");
    await eventually(() => card.textContent()).toContain("enable");
    expect(await page.locator("#error-count").textContent()).toBe("2");
  });
});
