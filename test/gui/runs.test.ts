// Runs in the GUI, in a real browser against a real service: run now with args, the history, a
// run opened to its result, error, logs and workflow steps; live refreshes that leave the user's
// work alone; user-controlled text shown as text; screenshots at desktop and phone widths.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { echo, eventually, inPage, RESULTS_DIR, ticking, useGuiHarnesses, waitFor } from "./gui-harness.ts";
import type { FunctionFixture } from "./gui-harness.ts";

const open = useGuiHarnesses();
beforeAll(async () => {
  await mkdir(RESULTS_DIR, { recursive: true });
});

const flow: FunctionFixture = {
  config: { name: "flow", executor: "workflow", handler: ["flow.first", "flow.second"], args: [{ n: 20 }, {}] },
  code: "export const first = (args) => ({ doubled: args.n * 2 });\nexport const second = (_args, ctx) => { console.log('got', ctx.previousResult.doubled); return { total: ctx.previousResult.doubled + 2 }; };",
};
const hostile: FunctionFixture = {
  config: { name: "hostile", executor: "default", handler: "hostile.main" },
  code: "export const main = () => { console.log('<img src=x onerror=\"document.title=1\">'); throw new Error('<b>bold</b> failure'); };",
};

const updates = async (page: Page) => Number(await page.locator("body").getAttribute("data-updates"));
const detail = (page: Page) => page.locator("#run-detail");

async function runNow(page: Page, name: string, args: string): Promise<string> {
  await page.getByRole("button", { name: `Run ${name} now` }).click();
  await page.getByLabel("Args (JSON, optional)").fill(args);
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.waitForURL(/#\/runs\//);
  return decodeURIComponent(new URL(page.url()).hash.replace("#/runs/", ""));
}

describe("chronomaster GUI: runs", () => {
  it("run now with args JSON makes a run that shows in the history and opens to its logs", async () => {
    const h = await open({ echo });
    const page = await h.open();
    await page.getByRole("button", { name: "Run echo now" }).click();
    const args = page.getByLabel("Args (JSON, optional)");
    await args.fill("{name: Ada}");
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await eventually(() => page.locator("#run-now-error").textContent()).toContain("not valid JSON");
    expect(await h.proxy.store.history("echo")).toEqual([]);
    await args.fill('{"name": "Ada"}');
    await page.getByRole("button", { name: "Run", exact: true }).click();
    await page.waitForURL(/#\/runs\//);
    const id = decodeURIComponent(new URL(page.url()).hash.replace("#/runs/", ""));

    await eventually(() => detail(page).locator(".status").first().textContent()).toContain("succeeded");
    expect(await detail(page).locator(".logs").textContent()).toContain("hello Ada");
    expect(await detail(page).locator(".result").textContent()).toContain('"greeting": "hello Ada"');
    expect(await detail(page).textContent()).toContain("run now / API");
    const historyRow = page.locator(`#runs-body tr[data-item="${id}"]`);
    await eventually(() => historyRow.textContent()).toContain("succeeded");
    expect(await historyRow.getAttribute("class")).toContain("selected");
    expect((await h.proxy.store.get(id))?.result).toEqual({ greeting: "hello Ada" });

    // the run is deep-linkable: a fresh page on its address opens straight to it
    const direct = await h.open({ path: `/#/runs/${id}` });
    await eventually(() => direct.locator("#run-detail .logs").textContent()).toContain("hello Ada");
    expect(await direct.locator("#fn-title").textContent()).toBe("echo");
  });

  it("opens a workflow run to its steps, and a failed run to its error code, message and logs, all as text", async () => {
    const h = await open({ flow, hostile });
    const page = await h.open();
    await runNow(page, "flow", "");
    await eventually(() => detail(page).locator(".status").first().textContent()).toContain("succeeded");
    const steps = detail(page).locator(".step");
    expect(await steps.count()).toBe(2);
    expect(await steps.nth(0).textContent()).toContain("flow.first");
    expect(await steps.nth(1).textContent()).toContain("flow.second");
    expect(await detail(page).locator(".logs").textContent()).toContain("got 40");
    expect(await detail(page).locator(".result").textContent()).toContain('"total": 42');

    await page.goto(`${h.url}/`);
    await runNow(page, "hostile", "");
    await eventually(() => detail(page).locator(".status").first().textContent()).toContain("failed");
    const error = detail(page).locator(".error-box");
    expect(await error.locator("code").first().textContent()).toBe("ERR_HANDLER_THREW");
    expect(await error.locator(".message").textContent()).toContain("<b>bold</b> failure");
    expect(await detail(page).locator(".logs").textContent()).toContain('<img src=x onerror="document.title=1">');
    expect(await page.locator("#run-detail img, #run-detail b").count()).toBe(0);
    expect(await page.title()).not.toBe("1");
  });

  it("live refreshes keep typed args, focus, scroll and an open run", async () => {
    const h = await open({ echo, ticker: ticking("ticker") });
    const page = await h.open({ height: 500 });
    const id = await runNow(page, "echo", '{"name": "kept"}');
    await eventually(() => detail(page).textContent()).toContain("hello kept");

    // the overview, scrolled, with the run-now dialog half filled in (scrolled after the click:
    // clicking scrolls the button into view, which may undo a scroll made before)
    await page.getByRole("link", { name: "Functions", exact: true }).click();
    await page.getByRole("button", { name: "Run echo now" }).click();
    const args = page.getByLabel("Args (JSON, optional)");
    await args.fill('{"name": "half typ');
    let scrolled = 0;
    await waitFor("the page to scroll", async () => {
      await inPage(page, "window.scrollTo(0, 120)");
      scrolled = await inPage<number>(page, "window.scrollY");
      return scrolled > 0;
    });
    const before = await updates(page);
    await waitFor("two live updates", async () => (await updates(page)) >= before + 2, 10_000);
    expect(await args.inputValue()).toBe('{"name": "half typ');
    expect(await inPage(page, "document.activeElement?.id")).toBe("run-now-args");
    expect(await inPage(page, "window.scrollY")).toBe(scrolled);
    await page.keyboard.press("Escape");

    // an open run stays open while its function's history grows under it
    await page.goto(`${h.url}/#/runs/${id}`);
    await detail(page).locator(".logs").waitFor();
    const marker = await inPage(detail(page), "(el) => (el.marker = Math.random())");
    const rowsBefore = await page.locator("#runs-body tr").count();
    await h.proxy.enqueue("echo", { args: { name: "another" } });
    await waitFor("the history to show the new run", async () => (await page.locator("#runs-body tr").count()) > rowsBefore, 10_000);
    expect(await inPage(detail(page), "(el) => el.marker")).toBe(marker);
    expect(await detail(page).textContent()).toContain("hello kept");
    expect(new URL(page.url()).hash).toBe(`#/runs/${id}`);
  });

  it("reads well at desktop and phone widths (screenshots in test-results/) and works from the keyboard", async () => {
    const h = await open({ echo, ticker: ticking("ticker", { description: "Fires every second" }), flow });
    await h.proxy.enqueue("flow");
    const page = await h.open();
    await waitFor("a few ticker runs", async () => (await h.scheduled("ticker")).filter((run) => run.status === "succeeded").length >= 2);
    await eventually(() => page.locator('#functions tbody tr[data-item="ticker"] .strip .cell').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(RESULTS_DIR, "gui-main.png"), fullPage: true });

    const phone = await h.open({ width: 390, height: 844 });
    await phone.locator('#functions tbody tr[data-item="ticker"]').waitFor();
    // nothing wider than the screen: the tables turn into one card per row
    expect(await inPage(phone, "document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(RESULTS_DIR, "gui-phone.png"), fullPage: true });

    // keyboard: real buttons, so Enter and Space act on the focused one, and Escape closes the dialog
    await page.getByRole("button", { name: "Run echo now" }).focus();
    await page.keyboard.press("Enter");
    expect(await inPage(page, "document.activeElement?.id")).toBe("run-now-args");
    await page.keyboard.press("Escape");
    expect(await page.locator("#run-now").isVisible()).toBe(false);
    await page.getByRole("switch", { name: "Schedule of echo" }).focus();
    await page.keyboard.press("Space");
    await eventually(() => page.getByRole("switch", { name: "Schedule of echo" }).getAttribute("aria-checked")).toBe("false");
    expect(await inPage(page, "document.activeElement?.getAttribute('aria-label')")).toBe("Schedule of echo");
  });
});
