// Makes the README's pictures of the GUI: the service as `npm start` runs it (its own Redis, every
// role) over a copy of the example functions plus one with the README's config typo, a few runs of
// each, then chromium 1280 wide: docs/gui.png (the main page) and docs/gui-run.png (a workflow run
// opened). Run it by hand:
//   node test/gui/docs-screenshot.ts [out-dir]
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { startService } from "../../src/service/service.ts";
import { settingsFromEnv } from "../../src/settings.ts";
import { launchBrowser, waitFor, writeFunction } from "./gui-harness.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const outDir = process.argv[2] ?? join(repo, "docs");
const work = await mkdtemp(join(tmpdir(), "skywalker-docs-"));
const functionsDir = join(work, "functions");
await cp(join(repo, "functions"), functionsDir, { recursive: true });
await writeFunction(functionsDir, "disk-check", {
  config: { name: "disk-check", executor: "default", handler: "disk-check.main", description: "Alerts when a volume is nearly full", schedule: [{ environment: "production", cron: "every 6h" }] },
  code: "export const main = () => ({ ok: true });",
});

const settings = settingsFromEnv({}, { functionsDir, dataDir: join(work, "data"), proxyPort: 0, guiPort: 0, environment: "production" });
const service = await startService("all", settings, pino({ level: "warn" }));
const browser = await launchBrowser();
try {
  const proxy = service.proxy!.url;
  const execute = (name: string, args?: unknown) =>
    fetch(`${proxy}/execute?wait=1`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ function: name, ...(args ? { args } : {}) }) });
  // some history: a few runs by hand next to the schedules' own
  for (const name of ["Ada", "Grace", "Linus"]) await execute("hello-skywalker", { name });
  await execute("http-check"); // fails: its Slack and PagerDuty secrets are not set here
  await execute("active-passive-skywalker"); // skipped: no active endpoint is configured
  const runs = async (name: string) => ((await (await fetch(`${proxy}/functions/${name}/runs`)).json()) as { runs: unknown[] }).runs.length;
  await waitFor("scheduled runs to pile up", async () => (await runs("workflow-skywalker")) >= 5 && (await runs("hello-skywalker")) >= 5, 60_000);

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  await page.goto(service.chronomaster!.url);
  await page.locator('#functions tbody tr[data-item="workflow-skywalker"] .strip .cell').first().waitFor();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(outDir, "gui.png"), fullPage: true });

  await page.locator('#functions tbody tr[data-item="workflow-skywalker"] .run-link').click();
  await page.locator("#run-detail .logs").waitFor();
  await page.locator("#run-detail .step details").first().evaluate((details) => details.setAttribute("open", ""));
  await page.setViewportSize({ width: 1280, height: 1180 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(outDir, "gui-run.png") });
  process.stderr.write(`wrote ${outDir}/gui.png and gui-run.png\n`);
} finally {
  await browser.close();
  await service.stop();
  await rm(work, { recursive: true, force: true });
}
