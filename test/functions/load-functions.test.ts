// Loading a functions folder: validation messages, bare-name modules, bundling.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/functions/limits.ts";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { FunctionCatalog } from "../../src/functions/types.ts";

const roots: string[] = [];
afterEach(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

/** Writes `files` (path → content; objects become JSON) under a new temp root and loads it. */
async function load(files: Record<string, unknown>, ceilings = { ...DEFAULT_LIMITS, memoryMb: 512, timeoutMs: 60_000 }): Promise<FunctionCatalog> {
  const root = await mkdtemp(join(tmpdir(), "skywalker-functions-"));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return loadFunctions(root, { ceilings });
}

const handler = 'export async function main(args) { return args; }\n';
const config = (name: string, extra: Record<string, unknown> = {}) => ({ name, executor: "default", handler: `${name}.main`, ...extra });

const original = {
  name: "hello-skywalker",
  version: "0.1",
  enabled: true,
  description: "Demo skywalker hello world",
  link: "https://link_to_documentation",
  executor: "executor.DefaultExecutor",
  handler: "hello-skywalker.main",
  args: { name: "HEY!! hello-skywalker" },
  schedule: [
    { environment: "production", cron: "@every 10s", "cron-enabled": true },
    { environment: "qa", cron: "@every 1h", "cron-enabled": true },
    { environment: "development", cron: "every 6h", "cron-enabled": true },
  ],
  support: "someone@example.com",
};

describe("config validation", () => {
  it("names the file, field and expectation for the original's own 'every 6h' typo", async () => {
    const catalog = await load({ "hello-skywalker/hello-skywalker-config.json": original, "hello-skywalker/hello-skywalker.js": handler });
    expect(catalog.functions.size).toBe(0);
    const [error] = catalog.errors;
    expect(error).toMatchObject({ name: "hello-skywalker", code: "ERR_CONFIG_INVALID", issues: [{ path: "schedule[2].cron" }] });
    expect(error!.file.endsWith("hello-skywalker/hello-skywalker-config.json")).toBe(true);
    expect(error!.message).toBe(
      'hello-skywalker/hello-skywalker-config.json: schedule[2].cron: "every 6h" is not a schedule: expected "@every <n>s|m|h" or a 5/6-field cron expression (did you mean "@every 6h"?)',
    );
  });

  it("loads the original's config once fixed, keeping every field's meaning", async () => {
    const fixed = { ...original, schedule: original.schedule.map((entry) => ({ ...entry, cron: entry.cron.replace(/^every/, "@every") })) };
    const catalog = await load({ "hello-skywalker/hello-skywalker-config.json": fixed, "hello-skywalker/hello-skywalker.js": handler });
    const fn = catalog.functions.get("hello-skywalker")!;
    expect(fn).toMatchObject({ kind: "default", version: "0.1", enabled: true, support: "someone@example.com", isolation: "warm", retries: 0, overlap: "skip", limits: DEFAULT_LIMITS });
    expect(fn.steps).toEqual([{ handler: "hello-skywalker.main", module: "hello-skywalker", exportName: "main", args: { name: "HEY!! hello-skywalker" } }]);
    expect(fn.schedule.map((entry) => [entry.environment, entry.trigger])).toEqual([
      ["production", { kind: "every", everyMs: 10_000 }],
      ["qa", { kind: "every", everyMs: 3_600_000 }],
      ["development", { kind: "every", everyMs: 21_600_000 }],
    ]);
  });

  it("accepts cron expressions with a time zone and rejects bad ones", async () => {
    const catalog = await load({
      "good/config.json": config("good", { schedule: [{ environment: "p", cron: "*/5 * * * *", timezone: "Europe/Paris" }, { environment: "q", cron: "0 */10 * * * *", "cron-enabled": false }] }),
      "good/good.js": handler,
      "bad/config.json": config("bad", { schedule: [{ environment: "p", cron: "61 * * * *" }, { environment: "p", cron: "@every 0s" }, { environment: "p", cron: "@every 1m", timezone: "Mars/Base" }] }),
      "bad/bad.js": handler,
    });
    expect(catalog.functions.get("good")!.schedule).toMatchObject([
      { trigger: { kind: "cron", expression: "*/5 * * * *" }, timezone: "Europe/Paris", cronEnabled: true },
      { trigger: { kind: "cron" }, cronEnabled: false },
    ]);
    expect(catalog.errors[0]!.issues.map((issue) => issue.path)).toEqual(["schedule[0].cron", "schedule[1].cron", "schedule[2].timezone"]);
  });

  it("refuses a time zone on an @every entry, and a handler that names a path", async () => {
    const catalog = await load({
      "f/config.json": config("f", { handler: "../g/g.main", schedule: [{ environment: "p", cron: "@every 1m", timezone: "Europe/Paris" }] }),
      "f/f.js": handler,
      "g/config.json": config("g"),
      "g/g.js": handler,
    });
    const error = catalog.errors.find((each) => each.name === "f")!;
    expect(error.issues).toEqual([
      { path: "handler", message: '"../g/g" is not a module\'s name: a handler names a file of the functions folder without its folder or extension (e.g. "hello-skywalker.main")' },
      { path: "schedule[0].timezone", message: "applies to cron expressions only: an @every period is the same in every time zone" },
    ]);
  });

  it("takes @every up to a year and refuses longer, pointing to cron", async () => {
    const catalog = await load({
      "yearly/config.json": config("yearly", { schedule: [{ environment: "p", cron: "@every 8760h" }] }),
      "yearly/yearly.js": handler,
      "longer/config.json": config("longer", { schedule: [{ environment: "p", cron: "@every 10000h" }, { environment: "q", cron: "@every 99999999999999999999999h" }] }),
      "longer/longer.js": handler,
    });
    expect(catalog.functions.get("yearly")!.schedule[0]!.trigger).toEqual({ kind: "every", everyMs: 8760 * 3_600_000 });
    expect(catalog.errors[0]!.message).toBe(
      'longer/config.json: schedule[0].cron: "@every 10000h" is longer than a year (8760h): use a cron expression for rarer runs; ' +
        'schedule[1].cron: "@every 99999999999999999999999h" is longer than a year (8760h): use a cron expression for rarer runs',
    );
  });

  it("rejects unknown fields, bad executors, wrong types and a name that is not the folder's", async () => {
    const catalog = await load({ "f/config.json": { name: "g", executor: "executor.Bogus", handler: "f.main", enable: false, retries: "3" }, "f/f.js": handler });
    const paths = catalog.errors[0]!.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["executor", "enable", "retries"]));
    expect(catalog.errors[0]!.message).toContain("enable: unknown field");
    expect(catalog.errors[0]!.message).toContain('"executor.DefaultExecutor"');
    const named = await load({ "f/config.json": config("g"), "f/f.js": handler });
    expect(named.errors[0]!.message).toContain('name: "g" must equal the folder name "f"');
  });

  it("requires a workflow's handler and args lists to match", async () => {
    const catalog = await load({ "w/config.json": { name: "w", executor: "executor.WorkflowExecutor", handler: ["w.a", "w.b"], args: [{}] }, "w/w.js": "export const a = () => 1, b = () => 2;" });
    expect(catalog.errors[0]!.message).toBe("w/config.json: args: has 1 entries but handler has 2: a workflow needs one args object per handler");
  });

  it("enforces the operator's ceilings, naming the variable that sets them", async () => {
    const catalog = await load({ "f/config.json": config("f", { limits: { memoryMb: 1024, timeoutMs: 1000 } }), "f/f.js": handler });
    expect(catalog.errors[0]!.issues).toEqual([{ path: "limits.memoryMb", message: "1024 is over the operator's ceiling of 512 (set by SKYWALKER_MAX_MEMORY_MB)" }]);
    const ok = await load({ "f/config.json": config("f", { limits: { timeoutMs: 1000 } }), "f/f.js": handler });
    expect(ok.functions.get("f")!.limits).toEqual({ ...DEFAULT_LIMITS, timeoutMs: 1000, cpuMs: 1000 });
  });

  it("reports invalid JSON with its line and column, and two config files as a conflict", async () => {
    const catalog = await load({ "f/config.json": '{\n  "name": "f",\n  oops\n}', "f/f.js": handler, "g/config.json": config("g"), "g/g-config.json": config("g"), "g/g.js": handler });
    const byName = Object.fromEntries(catalog.errors.map((error) => [error.name, error.message]));
    expect(byName.f).toMatch(/f\/config\.json: not valid JSON at line 3, column 3/);
    expect(byName.g).toContain("two config files: config.json and g-config.json");
  });

  it("never lets one broken function stop the others", async () => {
    const catalog = await load({ "a/config.json": config("a"), "a/a.js": handler, "b/config.json": "{", "b/b.js": handler, "c/config.json": config("c"), "c/c.ts": handler });
    expect([...catalog.functions.keys()].sort()).toEqual(["a", "c"]);
    expect(catalog.errors.map((error) => error.name)).toEqual(["b"]);
  });

  it("refuses a config nested too deep to check, and loads the others", async () => {
    // 2000 levels: the schema check would overflow the stack and, before, failed the whole folder.
    const deep = `{"name":"deep","executor":"default","handler":"deep.main","args":{"x":${"[".repeat(2000)}${"]".repeat(2000)}}}`;
    const catalog = await load({ "deep/config.json": deep, "deep/deep.js": handler, "good/config.json": config("good"), "good/good.js": handler });
    expect([...catalog.functions.keys()]).toEqual(["good"]);
    expect(catalog.errors.map((error) => error.message)).toEqual(["deep/config.json: args: nests deeper than 64 levels"]);
  });

  it("makes anything that goes wrong in loading one function that function's error", async () => {
    // A config.json that is a folder cannot be read: the error names it; the others load.
    const catalog = await load({ "dir/config.json/placeholder.txt": "", "dir/dir.js": handler, "good/config.json": config("good"), "good/good.js": handler });
    expect([...catalog.functions.keys()]).toEqual(["good"]);
    expect(catalog.errors).toHaveLength(1);
    expect(catalog.errors[0]!.message).toMatch(/^dir\/config\.json: could not be loaded: EISDIR/);
  });

  it("throws for a functions folder that does not exist", async () => {
    await expect(loadFunctions("/nonexistent/functions")).rejects.toThrow("the functions folder /nonexistent/functions does not exist");
  });
});

describe("symbolic links and misnamed configs", () => {
  /** A temp root with `files`, plus `links` (path → target, relative to the root or absolute). */
  async function loadWithLinks(files: Record<string, unknown>, links: Record<string, string>): Promise<FunctionCatalog> {
    const root = await mkdtemp(join(tmpdir(), "skywalker-functions-"));
    roots.push(root);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), typeof content === "string" ? content : JSON.stringify(content));
    }
    for (const [path, target] of Object.entries(links)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await symlink(target.startsWith("/") ? target : join(root, target), join(root, path));
    }
    return loadFunctions(root);
  }

  it("never reads a file through a link that leads outside the functions folder", async () => {
    const outside = await mkdtemp(join(tmpdir(), "skywalker-outside-"));
    roots.push(outside);
    await writeFile(join(outside, "leak.ts"), 'export const secret = "OUTSIDE";\n');
    await mkdir(join(outside, "fn"));
    const catalog = await loadWithLinks(
      {
        "relative/config.json": config("relative"),
        "relative/relative.ts": 'import text from "./p.txt";\nexport async function main() { return text; }\n',
        "bare/config.json": config("bare"),
        "bare/bare.ts": 'import { secret } from "leak2";\nexport async function main() { return secret; }\n',
        "good/config.json": config("good"),
        "good/good.js": handler,
      },
      { "relative/p.txt": "/etc/passwd", "bare/leak2.ts": join(outside, "leak.ts"), linked: join(outside, "fn") },
    );
    expect([...catalog.functions.keys()]).toEqual(["good"]);
    const byName = Object.fromEntries(catalog.errors.map((error) => [error.name, error.message]));
    expect(byName.relative).toContain('module "./p.txt" imported by relative/relative.ts leads through a symbolic link to /etc/passwd, outside the functions folder');
    expect(byName.bare).toContain("bare/leak2.ts is a symbolic link to");
    expect(byName.linked).toMatch(/^linked: linked is a symbolic link to .*, outside the functions folder: it is not read$/);
    for (const fn of catalog.functions.values()) expect(fn.code).not.toContain("root:x:0:0");
  });

  it("follows links that stay inside the folder, as a mounted ConfigMap's", async () => {
    const catalog = await loadWithLinks(
      { "..data/mounted.ts": handler, "..data/config.json": config("mounted") },
      { "mounted/config.json": "..data/config.json", "mounted/mounted.ts": "..data/mounted.ts" },
    );
    expect(catalog.errors).toEqual([]);
    expect([...catalog.functions.keys()]).toEqual(["mounted"]);
  });

  it("reports a folder whose config is misnamed instead of taking it for a library", async () => {
    const catalog = await load({ "upper/Config.json": config("upper"), "upper/upper.js": handler, "lib/helpers.ts": "export const x = 1;\n" });
    expect(catalog.errors.map((error) => error.message)).toEqual(["upper/Config.json: not read: a function's config is named config.json or upper-config.json (names are case-sensitive)"]);
  });
});

describe("modules by bare name", () => {
  it("lets a workflow name another function's handler and import a shared library module", async () => {
    const catalog = await load({
      "hello/config.json": config("hello"),
      "hello/hello.ts": 'import { shout } from "text-utils";\nexport async function main(args: { name: string }) { return shout(args.name); }\n',
      "lib/text-utils.ts": "export const shout = (text: string): string => text.toUpperCase();\n",
      "flow/config.json": { name: "flow", executor: "workflow", handler: ["hello.main", "flow.main"], args: [{ name: "ada" }, {}] },
      "flow/flow.ts": "export const main = (_args: unknown, ctx: { previousResult: string }) => `${ctx.previousResult}!`;\n",
    });
    expect(catalog.errors).toEqual([]);
    expect(catalog.functions.has("lib")).toBe(false);
    const flow = catalog.functions.get("flow")!;
    expect(flow.steps.map((step) => step.handler)).toEqual(["hello.main", "flow.main"]);
    const bundle = runInNewContext(`${flow.code}; globalThis.__skywalker_bundle()`) as { handlers: ((...args: unknown[]) => unknown)[] };
    expect(await bundle.handlers[0]!({ name: "ada" })).toBe("ADA");
    expect(bundle.handlers[1]!({}, { previousResult: "ADA" })).toBe("ADA!");
  });

  it("prefers the function's own module and reports a name two other folders share", async () => {
    const catalog = await load({
      "a/config.json": config("a"),
      "a/a.js": 'import { who } from "util"; export const main = () => who;',
      "a/util.js": 'export const who = "a";',
      "b/util.js": 'export const who = "b";',
      "c/util.js": 'export const who = "c";',
      "d/config.json": config("d"),
      "d/d.js": 'import { who } from "util"; export const main = () => who;',
    });
    const a = runInNewContext(`${catalog.functions.get("a")!.code}; globalThis.__skywalker_bundle()`) as { handlers: (() => string)[] };
    expect(a.handlers[0]!()).toBe("a");
    expect(catalog.errors[0]).toMatchObject({ name: "d", code: "ERR_MODULE_NOT_FOUND" });
    expect(catalog.errors[0]!.message).toContain('module "util" is ambiguous: a/util.js, b/util.js, c/util.js');
  });

  it("refuses Node built-ins, npm packages and paths outside the folder at load time, naming the importer", async () => {
    const catalog = await load({
      "fs-user/config.json": config("fs-user"),
      "fs-user/fs-user.ts": 'import { readFileSync } from "node:fs";\nexport const main = () => readFileSync("/etc/passwd", "utf8");\n',
      "npm-user/config.json": config("npm-user"),
      "npm-user/npm-user.js": 'import _ from "lodash"; export const main = () => _;',
      "escaper/config.json": config("escaper"),
      "escaper/escaper.js": 'import secret from "../../../etc/passwd"; export const main = () => secret;',
    });
    const byName = Object.fromEntries(catalog.errors.map((error) => [error.name, error]));
    expect(byName["fs-user"]).toMatchObject({ code: "ERR_MODULE_NOT_FOUND" });
    expect(byName["fs-user"]!.message).toContain('module "node:fs" imported by fs-user/fs-user.ts is not available: functions cannot use Node built-ins or npm packages');
    expect(byName["npm-user"]!.message).toContain('module "lodash" imported by npm-user/npm-user.js is not available');
    expect(byName.escaper!.message).toContain('module "../../../etc/passwd" imported by escaper/escaper.js was not found inside the functions folder');
  });

  it("names the handler field for a missing export or module", async () => {
    const catalog = await load({
      "w/config.json": { name: "w", executor: "workflow", handler: ["w.main", "w.mian"] },
      "w/w.js": "export const main = () => 1;",
      "m/config.json": config("m", { handler: "nowhere.main" }),
      "m/m.js": handler,
    });
    const byName = Object.fromEntries(catalog.errors.map((error) => [error.name, error]));
    expect(byName.w).toMatchObject({ code: "ERR_HANDLER_NOT_FOUND", issues: [{ path: "handler[1]", message: 'w.mian: module "w" has no export "mian"' }] });
    expect(byName.m).toMatchObject({ code: "ERR_MODULE_NOT_FOUND", issues: [{ path: "handler" }] });
    expect(byName.m!.message).toContain('module "nowhere"');
  });

  it("reports syntax errors with file, line and column, and transpiles TypeScript", async () => {
    const catalog = await load({
      "broken/config.json": config("broken"),
      "broken/broken.js": "export const main = () => {\n  return 1 +;\n};\n",
      "typed/config.json": config("typed"),
      "typed/typed.ts": "enum Level { Low = 1, High = 2 }\ninterface Args { n: number }\nexport const main = (args: Args): number => args.n * Level.High;\n",
    });
    expect(catalog.errors[0]).toMatchObject({ name: "broken", code: "ERR_COMPILE" });
    expect(catalog.errors[0]!.message).toMatch(/broken\/broken\.js:2:\d+: /);
    const typed = runInNewContext(`${catalog.functions.get("typed")!.code}; globalThis.__skywalker_bundle()`) as { handlers: ((args: { n: number }) => number)[] };
    expect(typed.handlers[0]!({ n: 21 })).toBe(42);
  });

  it("defines only a factory: module top-level code runs when the runtime calls it", async () => {
    const catalog = await load({ "f/config.json": config("f"), "f/f.js": 'globalThis.sideEffect = "ran"; export const main = () => 1;' });
    const sandbox: Record<string, unknown> = {};
    runInNewContext(catalog.functions.get("f")!.code, sandbox);
    expect(sandbox.sideEffect).toBeUndefined();
    expect(typeof sandbox.__skywalker_bundle).toBe("function");
    runInNewContext("globalThis.__skywalker_bundle()", sandbox);
    expect(sandbox.sideEffect).toBe("ran");
    expect(catalog.functions.get("f")!.codeHash).toMatch(/^[0-9a-f]{64}$/);
  });
});
