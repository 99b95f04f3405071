// The real service for the GUI's browser tests: Redis (from the global setup, with a key prefix of
// the test's own), a proxy, an executor and a chronomaster on free ports, over a temporary
// functions folder the test writes; and Debian's chromium driven by playwright-core.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, expect, inject } from "vitest";
import { ChronomasterServer } from "../../src/chronomaster/chronomaster-server.ts";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import { subscribeControl } from "../../src/queue/control-channel.ts";
import type { RunRecord } from "../../src/run-record.ts";
import type { Settings } from "../../src/settings.ts";
import { openProxyHarness } from "../proxy/proxy-harness.ts";
import type { ProxyHarness } from "../proxy/proxy-harness.ts";

export const RESULTS_DIR = fileURLToPath(new URL("../../test-results/", import.meta.url));

export interface FunctionFixture {
  config: Record<string, unknown>;
  /** The module's code; the handler is `<name>.main`. */
  code: string;
}

/** A function that fires every second in the test environment and returns its tick. */
export const ticking = (name: string, extra: Record<string, unknown> = {}): FunctionFixture => ({
  config: { name, executor: "default", handler: `${name}.main`, overlap: "allow", schedule: [{ environment: "test", cron: "@every 1s" }], ...extra },
  code: "export const main = (_args, ctx) => ({ scheduledAt: ctx.scheduledAt });",
});

/** No schedule; logs its args and returns a greeting. */
export const echo: FunctionFixture = {
  config: { name: "echo", executor: "default", handler: "echo.main", description: "Says hello to whoever its args name", args: { name: "config" } },
  code: 'export const main = (args) => { console.log("hello " + args.name); return { greeting: "hello " + args.name }; };',
};

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * For a suite: one browser for all its tests, and a harness per test, closed after it. Answers a
 * function that opens the test's harness.
 */
export function useGuiHarnesses(): (functions: Record<string, FunctionFixture>, settings?: Partial<Settings>) => Promise<GuiHarness> {
  let browser: Browser | undefined;
  let harness: GuiHarness | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });
  return async (functions, settings) => {
    harness = await openGuiHarness({ redisUrl: inject("redisUrl"), ...(browser === undefined ? {} : { browser }), functions, ...(settings === undefined ? {} : { settings }) });
    return harness;
  };
}

export interface GuiHarness {
  proxy: ProxyHarness;
  chronomaster: ChronomasterServer;
  url: string;
  functionsDir: string;
  settings: Settings;
  /** A new browser context and page on the GUI (desktop size unless told). */
  open(options?: { width?: number; height?: number; path?: string }): Promise<Page>;
  /** Another chronomaster replica on the same Redis and functions. */
  replica(): Promise<ChronomasterServer>;
  writeFunction(name: string, fixture: FunctionFixture): Promise<void>;
  /** Runs of a function fired by its schedule, oldest first. */
  scheduled(name: string): Promise<RunRecord[]>;
  close(): Promise<void>;
}

export async function writeFunction(dir: string, name: string, fixture: FunctionFixture): Promise<void> {
  await mkdir(join(dir, name), { recursive: true });
  await writeFile(join(dir, name, "config.json"), JSON.stringify(fixture.config, null, 2));
  await writeFile(join(dir, name, `${name}.js`), fixture.code);
}

export async function openGuiHarness(options: { redisUrl: string; browser?: Browser; functions: Record<string, FunctionFixture>; settings?: Partial<Settings> }): Promise<GuiHarness> {
  const functionsDir = await mkdtemp(join(tmpdir(), "skywalker-gui-"));
  for (const [name, fixture] of Object.entries(options.functions)) await writeFunction(functionsDir, name, fixture);
  const proxy = await openProxyHarness({ redisUrl: options.redisUrl, functionsDir, settings: { environment: "test", ...options.settings } });
  const contexts: BrowserContext[] = [];
  const chronomasters: ChronomasterServer[] = [];
  const silent = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const startChronomaster = async (): Promise<ChronomasterServer> => {
    const registry = await FunctionRegistry.open(functionsDir, silent);
    const server = new ChronomasterServer({
      settings: { ...proxy.settings, guiPort: 0, bind: "127.0.0.1", proxyUrl: proxy.url },
      redisUrl: options.redisUrl,
      redis: proxy.redis,
      registry,
      store: proxy.store,
      metrics: proxy.metrics,
      logger: silent,
      processId: randomUUID(),
    });
    await server.start();
    chronomasters.push(server);
    return server;
  };
  // As in a deployment, the proxy's and executor's functions follow a reload made in the GUI.
  const control = await subscribeControl(options.redisUrl, proxy.settings.prefix, silent, (message) => {
    if (message.type === "reload") void proxy.registry.reload();
  });
  try {
    await proxy.startExecutor();
    const chronomaster = await startChronomaster();
    return {
      proxy,
      chronomaster,
      url: chronomaster.url,
      functionsDir,
      settings: proxy.settings,
      async open({ width = 1280, height = 800, path = "/" } = {}) {
        if (options.browser === undefined) throw new Error("openGuiHarness was given no browser");
        const context = await options.browser.newContext({ viewport: { width, height } });
        contexts.push(context);
        const page = await context.newPage();
        await page.goto(`${chronomaster.url}${path}`);
        return page;
      },
      replica: startChronomaster,
      writeFunction: (name, fixture) => writeFunction(functionsDir, name, fixture),
      scheduled: async (name) => (await proxy.store.history(name)).filter((run) => run.scheduledAt !== null).reverse(),
      async close() {
        await Promise.all(contexts.map((context) => context.close().catch(() => undefined)));
        await Promise.all(chronomasters.map((server) => server.stop()));
        await control.close();
        await proxy.close();
        await rm(functionsDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(chronomasters.map((server) => server.stop()));
    await control.close();
    await proxy.close();
    throw error;
  }
}

/** Polls until `check` returns a value other than undefined/false, or fails naming `what`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** expect.poll with room for a busy 2-core machine (its default gives up after one second). */
export const eventually = <T>(value: () => T | Promise<T>) => expect.poll(value, { timeout: 10_000, interval: 100 });

/** Evaluates browser code given as text (the tests are type-checked without the DOM's types). */
export const inPage = <T>(target: Page | Locator, code: string): Promise<T> => ("goto" in target ? target.evaluate(code) : target.evaluate(code)) as Promise<T>;
