// Shipping functions as ConfigMaps and loading them back from a Kubernetes API served over real
// HTTP on loopback (no live cluster runs in CI).
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig, loadAllYaml } from "@kubernetes/client-node";
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FunctionRegistry } from "../../src/functions/function-registry.ts";
import { loadFunctions } from "../../src/functions/load-functions.ts";
import type { FunctionCatalog } from "../../src/functions/types.ts";
import type { FunctionConfigMap } from "../../src/k8s/configmap-format.ts";
import { ConfigMapFunctionSource } from "../../src/k8s/configmap-source.ts";
import { buildFunctionConfigMaps } from "../../src/k8s/function-configmaps.ts";
import { loadBackProblems } from "../../src/k8s/load-back.ts";
import { startFakeKubeApi } from "../helpers/fake-kube-api.ts";
import type { FakeKubeApi } from "../helpers/fake-kube-api.ts";

const repo = fileURLToPath(new URL("../..", import.meta.url));
let work: string;
let api: FakeKubeApi;

function skywalker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repo, "bin/skywalker.js"), ...args], { cwd: work, env: { ...process.env, KUBECONFIG: api.kubeconfigPath, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "skywalker-k8s-"));
  await cp(join(repo, "functions"), join(work, "functions"), { recursive: true });
  api = await startFakeKubeApi();
});
afterAll(async () => {
  await api.close();
  await rm(work, { recursive: true, force: true });
});

describe("skywalker configmap", () => {
  it("prints one labelled ConfigMap per function and library folder as YAML", async () => {
    const { code, stdout } = await skywalker(["configmap", "-o", "yaml", "--namespace", "prod"]);
    expect(code).toBe(0);
    const docs = loadAllYaml(stdout) as { metadata: { name: string; namespace: string; labels: Record<string, string> }; data: Record<string, string> }[];
    expect(docs.map((doc) => doc.metadata.name).sort()).toEqual(["skywalker-fn-active-passive-skywalker", "skywalker-fn-hello-skywalker", "skywalker-fn-http-check", "skywalker-fn-lib", "skywalker-fn-workflow-skywalker"]);
    const hello = docs.find((doc) => doc.metadata.name === "skywalker-fn-hello-skywalker")!;
    expect(hello.metadata).toMatchObject({ namespace: "prod", labels: { "app.kubernetes.io/part-of": "skywalker", "skywalker.io/kind": "function", "skywalker.io/folder": "hello-skywalker" } });
    expect(Object.keys(hello.data).sort()).toEqual(["hello-skywalker-config.json", "hello-skywalker.ts"]);
    expect(docs.find((doc) => doc.metadata.name === "skywalker-fn-lib")!.metadata.labels["skywalker.io/kind"]).toBe("library");
  });

  it("refuses to ship an invalid function, naming it and the field", async () => {
    await cp(join(work, "functions"), join(work, "broken"), { recursive: true });
    await writeFile(join(work, "broken/workflow-skywalker/config.json"), JSON.stringify({ name: "workflow-skywalker", executor: "workflow", handler: ["a.b"], args: [{}, {}] }));
    const { code, stdout, stderr } = await skywalker(["configmap", "--functions", "./broken", "--apply"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("not shipping: 1 function(s) are invalid");
    expect(stderr).toContain("workflow-skywalker/config.json: args: has 2 entries but handler has 1");
    expect(api.configMaps("skywalker")).toEqual([]);
  });

  it("refuses a function over the 1 MiB ConfigMap limit before any request", async () => {
    const dir = join(work, "huge");
    await cp(join(work, "functions/hello-skywalker"), join(dir, "hello-skywalker"), { recursive: true });
    await cp(join(work, "functions/lib"), join(dir, "lib"), { recursive: true });
    await writeFile(join(dir, "hello-skywalker/blob.js"), `export const blob = "${"x".repeat(1_100_000)}";\n`);
    await expect(buildFunctionConfigMaps(dir)).rejects.toThrow(/hello-skywalker: its files come to \d+ bytes, over the 1048576-byte limit of a ConfigMap/);
  });

  it("applies through the API: creates, leaves unchanged ones alone, replaces changed ones, prunes deleted ones", async () => {
    const first = await skywalker(["configmap", "--apply"]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("configmap/skywalker-fn-hello-skywalker created (namespace skywalker)");
    expect(api.configMaps("skywalker")).toHaveLength(5);
    const again = await skywalker(["configmap", "--apply"]);
    expect(again.stdout).toContain("configmap/skywalker-fn-hello-skywalker unchanged");
    await writeFile(join(work, "functions/hello-skywalker/hello-skywalker.ts"), 'export const main = () => "v2";\n');
    await rm(join(work, "functions/active-passive-skywalker"), { recursive: true });
    const third = await skywalker(["configmap", "--apply", "--prune"]);
    expect(third.stdout).toContain("configmap/skywalker-fn-hello-skywalker replaced");
    expect(third.stdout).toContain("configmap/skywalker-fn-active-passive-skywalker pruned");
    expect(api.configMaps("skywalker").map((cm) => cm.metadata.name).sort()).toEqual(["skywalker-fn-hello-skywalker", "skywalker-fn-http-check", "skywalker-fn-lib", "skywalker-fn-workflow-skywalker"]);
    expect(api.configMaps("skywalker").find((cm) => cm.metadata.name === "skywalker-fn-hello-skywalker")?.data?.["hello-skywalker.ts"]).toContain("v2");
  });
});

describe("loading functions from ConfigMaps", () => {
  const ns = "live";
  let source: ConfigMapFunctionSource | undefined;
  afterEach(async () => {
    await source?.stop();
  });

  const cm = (folder: string, data: Record<string, string>) => ({
    metadata: { name: `skywalker-fn-${folder}`, labels: { "app.kubernetes.io/part-of": "skywalker", "skywalker.io/kind": "function", "skywalker.io/folder": folder } },
    data,
  });
  const fn = (name: string, body: string, extra = "") => cm(name, { "config.json": `{ "name": "${name}", "executor": "default", "handler": "${name}.main"${extra} }`, [`${name}.js`]: body });

  async function eventually(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it("follows creates, changes, broken versions, deletes, an API server restart and expired resource versions", async () => {
    api.put(ns, fn("alpha", 'export const main = () => "alpha v1";'));
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.kubeconfigPath);
    const dir = await mkdtemp(join(tmpdir(), "skywalker-cm-"));
    const logger = pino({ level: "silent" });
    const opened: { registry?: FunctionRegistry } = {};
    source = new ConfigMapFunctionSource({ kubeConfig, namespace: ns, dir, logger, onChange: async () => opened.registry?.reload() });
    await source.start();
    const registry = await FunctionRegistry.open(dir, logger);
    opened.registry = registry;
    const codeOf = (name: string) => registry.get(name)?.code ?? "";
    expect(codeOf("alpha")).toContain("alpha v1");

    api.put(ns, fn("alpha", 'export const main = () => "alpha v2";'));
    api.put(ns, fn("beta", 'export const main = () => "beta v1";'));
    await eventually(() => codeOf("alpha").includes("alpha v2") && codeOf("beta").includes("beta v1"), "alpha v2 and beta");

    api.put(ns, fn("alpha", 'export const main = () => "alpha v3";', ', "schedule": [{ "environment": "p", "cron": "every 6h" }]'));
    await eventually(() => registry.loadError("alpha") !== undefined, "alpha's error");
    expect(codeOf("alpha")).toContain("alpha v2");
    expect(registry.loadError("alpha")).toMatchObject({ keptLastGood: true });

    api.remove(ns, "skywalker-fn-beta");
    await eventually(() => registry.get("beta") === undefined, "beta gone");

    // the API server goes away; changes happen meanwhile and its history expires (410 Gone on reconnect)
    const restarting = api.restart(1500);
    await new Promise((resolve) => setTimeout(resolve, 200));
    api.put(ns, fn("gamma", 'export const main = () => "gamma v1";'));
    api.put(ns, fn("alpha", 'export const main = () => "alpha v4";'));
    api.compact();
    await restarting;
    await eventually(() => codeOf("gamma").includes("gamma v1") && codeOf("alpha").includes("alpha v4"), "changes made while the API server was away", 20_000);
    expect(registry.loadError("alpha")).toBeUndefined();
    expect(api.requests.some((request) => request.startsWith("GET /api/v1/namespaces/live/configmaps?") && !request.includes("watch=true"))).toBe(true);

    api.put(ns, fn("delta", 'export const main = () => "delta v1";'));
    await eventually(() => codeOf("delta").includes("delta v1"), "delta after the reconnect");
    expect(registry.functions().map((f) => f.name)).toEqual(["alpha", "delta", "gamma"]);
    await rm(dir, { recursive: true, force: true });
  }, 40_000);
});

describe("skywalker configmap ships a function only as it will load in the pods", () => {
  /** Writes `files` (path → text) under a new folder of `work`. */
  async function functionsFolder(name: string, files: Record<string, string>): Promise<string> {
    const dir = join(work, name);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return dir;
  }
  const fn = (folder: string, code = "export const main = async () => 1;\n") => ({
    [`${folder}/config.json`]: JSON.stringify({ name: folder, executor: "default", handler: "handler.main" }),
    [`${folder}/handler.ts`]: code,
  });
  const refusal = (dir: string) => buildFunctionConfigMaps(dir).then(() => "(shipped)", (error: Error) => error.message);

  /** Puts the maps into the fake API and loads the functions through the real source. */
  async function loadThroughSource(namespace: string, maps: FunctionConfigMap[]): Promise<FunctionCatalog> {
    for (const map of maps) api.put(namespace, map);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.kubeconfigPath);
    const dir = await mkdtemp(join(tmpdir(), "skywalker-cm-"));
    const source = new ConfigMapFunctionSource({ kubeConfig, namespace, dir, logger: pino({ level: "silent" }), onChange: async () => undefined });
    try {
      await source.start();
      return await loadFunctions(dir);
    } finally {
      await source.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("loads a module whose name starts with '_' from its ConfigMap (the source dropped it)", async () => {
    const dir = await functionsFolder("underscore", { ...fn("under", 'import { v } from "./_util";\nexport const main = async () => v;\n'), "under/_util.ts": "export const v = 1;\n" });
    const loaded = await loadThroughSource("underscore", await buildFunctionConfigMaps(dir));
    expect(loaded.errors).toEqual([]);
    expect([...loaded.functions.keys()]).toEqual(["under"]);
  });

  it("ships the .cjs and .txt files a function imports, and they load from the ConfigMap", async () => {
    const dir = await functionsFolder("cjs-txt", {
      ...fn("imports", 'import h from "./helper.cjs";\nimport notes from "./notes.txt";\nexport const main = async () => [h, notes];\n'),
      "imports/helper.cjs": "module.exports = { v: 7 };\n",
      "imports/notes.txt": "hello text\n",
    });
    const maps = await buildFunctionConfigMaps(dir);
    expect(Object.keys(maps[0]!.data).sort()).toEqual(["config.json", "handler.ts", "helper.cjs", "notes.txt"]);
    const loaded = await loadThroughSource("cjs-txt", maps);
    expect(loaded.errors).toEqual([]);
    expect(loaded.functions.get("imports")?.code).toContain("hello text");
  });

  it("refuses a file in a subfolder that a function imports, naming it; an unused one is left behind", async () => {
    const dir = await functionsFolder("subfolder", {
      ...fn("subimp", 'import { v } from "./sub/inner";\nexport const main = async () => v;\n'),
      "subimp/sub/inner.ts": "export const v = 1;\n",
      ...fn("tidy"),
      "tidy/tests/handler.test.ts": "export {};\n",
    });
    const message = await refusal(dir);
    expect(message).toContain(`${dir}/subimp/sub/inner.ts: files in subfolders cannot be shipped as ConfigMap keys`);
    expect(message).not.toContain("tidy");
  });

  it("refuses a file at the root of the functions folder that a function imports, naming it", async () => {
    const dir = await functionsFolder("root-file", { ...fn("rootimp", 'import { s } from "../shared";\nexport const main = async () => s;\n'), "shared.ts": "export const s = 1;\n" });
    expect(await refusal(dir)).toContain(`${dir}/shared.ts: files at the root of the functions folder cannot be shipped as ConfigMaps; move it into a library folder (imported by rootimp)`);
  });

  it("refuses a folder name over 63 characters, which the label would cut", async () => {
    const long = `a-function-name-${"x".repeat(54)}`;
    const dir = await functionsFolder("long-name", fn(long));
    expect(await refusal(dir)).toContain(`${dir}/${long}: folder name longer than 63 characters cannot be a label value (it has 70)`);
  });

  it("refuses folder names a label cannot hold, which the source would ignore", async () => {
    const dir = await functionsFolder("label-chars", { ...fn("café"), ...fn("has space") });
    const message = await refusal(dir);
    expect(message).toContain(`${dir}/café: folder name "café" cannot be a label value, which may hold only letters`);
    expect(message).toContain(`${dir}/has space: folder name "has space" cannot be a label value`);
  });

  it("refuses, before printing or applying anything, a ConfigMap name and label the API server rejects", async () => {
    await functionsFolder("kube-names", { ...fn("trail_"), ...fn("fine") });
    for (const args of [["-o", "yaml"], ["--apply", "--namespace", "refused"]]) {
      const { code, stdout, stderr } = await skywalker(["configmap", "--functions", "./kube-names", ...args]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toContain('kube-names/trail_: a ConfigMap name must end with a letter or digit (it would be "skywalker-fn-trail-")');
      expect(stderr).toContain('kube-names/trail_: folder name "trail_" cannot be a label value, which must start and end with a letter or digit');
    }
    expect(api.configMaps("refused")).toEqual([]);
  });

  it("refuses a file name the API server rejects as a data key, naming the file", async () => {
    const dir = await functionsFolder("data-key", { ...fn("spacefile", 'import { v } from "./my helper";\nexport const main = async () => v;\n'), "spacefile/my helper.ts": "export const v = 1;\n" });
    expect(await refusal(dir)).toContain(`${dir}/spacefile/my helper.ts: a ConfigMap key may hold only letters a-z and A-Z, digits, '-', '_' and '.'`);
  });

  it("loads the functions back from the ConfigMaps and names any that would not load the same", async () => {
    const dir = await functionsFolder("load-back", {
      ...fn("cjs", 'import h from "./helper.cjs";\nexport const main = async () => h;\n'),
      "cjs/helper.cjs": "module.exports = { v: 7 };\n",
      ...fn("plain"),
    });
    const local = await loadFunctions(dir);
    const maps = await buildFunctionConfigMaps(dir);
    expect(await loadBackProblems(local, maps, "fns")).toEqual([]);
    const [cjs, plain] = maps.map((map) => structuredClone(map));
    delete cjs!.data["helper.cjs"];
    plain!.data["handler.ts"] = "export const main = async () => 2;\n";
    const messages = (await loadBackProblems(local, [cjs!, plain!], "fns")).map((problem) => problem.message);
    expect(messages).toEqual([expect.stringContaining('fns/cjs: does not load from its ConfigMaps: cjs/config.json: cjs/handler.ts:1:14: module "./helper.cjs"'), "fns/plain: its code bundled from the ConfigMaps differs from the local bundle"]);
  });
});
