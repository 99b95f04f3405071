// A Kubernetes API server on loopback that implements what Skywalker uses of ConfigMaps: list,
// watch (with resource versions, history and 410 Gone), get, create, replace, delete, label
// selectors. It can compact its history and restart, as a real API server does.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; uid?: string };
  data?: Record<string, string>;
}

interface Event {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: ConfigMap;
  rv: number;
}

export interface FakeKubeApi {
  url: string;
  /** A kubeconfig file pointing at this server. */
  kubeconfigPath: string;
  configMaps(namespace: string): ConfigMap[];
  put(namespace: string, configMap: ConfigMap): void;
  remove(namespace: string, name: string): void;
  /** Forgets the event history: a watch from an older resource version gets 410 Gone. */
  compact(): void;
  /** Drops every connection and stops answering for `downMs`, then serves again on the same port. */
  restart(downMs: number): Promise<void>;
  requests: string[];
  close(): Promise<void>;
}

function matches(labels: Record<string, string> = {}, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(/,(?![^(]*\))/).every((term) => {
    const inSet = /^\s*([\w./-]+)\s+in\s+\(([^)]*)\)\s*$/.exec(term);
    if (inSet) return inSet[2]!.split(",").map((v) => v.trim()).includes(labels[inSet[1]!] ?? "\u0000");
    const [key, value] = term.split("=").map((part) => part.trim());
    return value === undefined ? key! in labels : labels[key!] === value;
  });
}

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const store = new Map<string, ConfigMap>(); // "ns/name"
  let events: Event[] = [];
  let rv = 100;
  let compactedAt = 0;
  const watchers = new Set<{ ns: string; selector: string | null; res: ServerResponse }>();
  const requests: string[] = [];
  let server: Server;
  let port = 0;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const status = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });
  const record = (type: Event["type"], object: ConfigMap) => {
    const event = { type, object: structuredClone(object), rv };
    events.push(event);
    for (const w of watchers) {
      if (w.ns === object.metadata.namespace && matches(object.metadata.labels, w.selector)) w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  };
  const upsert = (ns: string, cm: ConfigMap, existing: ConfigMap | undefined): ConfigMap => {
    rv++;
    const stored: ConfigMap = { apiVersion: "v1", kind: "ConfigMap", ...structuredClone(cm), metadata: { ...cm.metadata, namespace: ns, resourceVersion: String(rv), uid: existing?.metadata.uid ?? `uid-${rv}` } };
    store.set(`${ns}/${cm.metadata.name}`, stored);
    record(existing ? "MODIFIED" : "ADDED", stored);
    return stored;
  };
  const remove = (ns: string, name: string): ConfigMap | undefined => {
    const existing = store.get(`${ns}/${name}`);
    if (!existing) return undefined;
    store.delete(`${ns}/${name}`);
    rv++;
    record("DELETED", { ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } });
    return existing;
  };

  const body = (req: IncomingMessage): Promise<ConfigMap> =>
    new Promise((resolve, reject) => {
      let text = "";
      req.on("data", (chunk: Buffer) => (text += chunk.toString()));
      req.on("end", () => {
        try {
          resolve(JSON.parse(text) as ConfigMap);
        } catch (error) {
          reject(error as Error);
        }
      });
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/configmaps(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return send(res, 404, status(404, "NotFound", `no route ${url.pathname}`));
    const [, ns, name] = match as unknown as [string, string, string | undefined];
    const selector = url.searchParams.get("labelSelector");
    if (req.method === "GET" && name === undefined && url.searchParams.get("watch") === "true") {
      const from = Number(url.searchParams.get("resourceVersion") ?? "0");
      if (from < compactedAt) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`${JSON.stringify({ type: "ERROR", object: status(410, "Expired", `too old resource version: ${from} (${compactedAt})`) })}\n`);
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
      res.flushHeaders(); // as the API server does: a watch with no events yet is still open
      for (const event of events) {
        if (event.rv > from && event.object.metadata.namespace === ns && matches(event.object.metadata.labels, selector)) res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
      const watcher = { ns, selector, res };
      watchers.add(watcher);
      req.on("close", () => watchers.delete(watcher));
      return;
    }
    if (req.method === "GET" && name === undefined) {
      const items = [...store.values()].filter((cm) => cm.metadata.namespace === ns && matches(cm.metadata.labels, selector));
      return send(res, 200, { kind: "ConfigMapList", apiVersion: "v1", metadata: { resourceVersion: String(rv) }, items });
    }
    const key = `${ns}/${name}`;
    if (req.method === "GET") return store.has(key) ? send(res, 200, store.get(key)) : send(res, 404, status(404, "NotFound", `configmaps "${name}" not found`));
    if (req.method === "POST") {
      const cm = await body(req);
      if (store.has(`${ns}/${cm.metadata.name}`)) return send(res, 409, status(409, "AlreadyExists", `configmaps "${cm.metadata.name}" already exists`));
      return send(res, 201, upsert(ns, cm, undefined));
    }
    if (req.method === "PUT") {
      const cm = await body(req);
      const existing = store.get(key);
      if (!existing) return send(res, 404, status(404, "NotFound", `configmaps "${name}" not found`));
      if (cm.metadata.resourceVersion && cm.metadata.resourceVersion !== existing.metadata.resourceVersion) return send(res, 409, status(409, "Conflict", "the object has been modified"));
      return send(res, 200, upsert(ns, cm, existing));
    }
    if (req.method === "DELETE") {
      const existing = remove(ns, name!);
      return existing ? send(res, 200, status(200, "", "deleted")) : send(res, 404, status(404, "NotFound", `configmaps "${name}" not found`));
    }
    return send(res, 405, status(405, "MethodNotAllowed", req.method ?? ""));
  };

  const listen = async () => {
    server = createServer((req, res) => void handle(req, res).catch((error: unknown) => send(res, 500, status(500, "InternalError", String(error)))));
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    for (const w of watchers) w.res.destroy();
    watchers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();

  const dir = await mkdtemp(join(tmpdir(), "fake-kube-"));
  const kubeconfigPath = join(dir, "config");
  const url = `http://127.0.0.1:${port}`;
  await writeFile(
    kubeconfigPath,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake", cluster: { server: url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "tester", user: { token: "fake-token" } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "tester", namespace: "skywalker" } }],
      "current-context": "fake",
    }),
  );

  return {
    url,
    kubeconfigPath,
    requests,
    configMaps: (ns) => [...store.values()].filter((cm) => cm.metadata.namespace === ns),
    put: (ns, cm) => void upsert(ns, cm, store.get(`${ns}/${cm.metadata.name}`)),
    remove: (ns, name) => void remove(ns, name),
    compact: () => {
      compactedAt = rv;
      events = [];
    },
    restart: async (downMs) => {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listen();
    },
    close: stop,
  };
}
