// Functions delivered as ConfigMaps, loaded through the Kubernetes API with list + watch (an
// informer), not a file mount: a change is live within seconds, with no pod restart and no
// sidecar. Each ConfigMap is written out as one folder of a local functions folder, which the
// usual loader reads; every change then triggers a reload.
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { CoreV1Api, makeInformer } from "@kubernetes/client-node";
import type { Informer, KubeConfig, V1ConfigMap } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { folderOfConfigMap, writeConfigMapFiles } from "./configmap-folder.ts";
import { CONFIGMAP_SELECTOR, FOLDER_LABEL } from "./configmap-format.ts";

const RELOAD_DEBOUNCE_MS = 100;
const MAX_RETRY_MS = 30_000;

export interface ConfigMapSourceOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Local folder the functions are written to; emptied at start. */
  dir: string;
  logger: Logger;
  /** Called (debounced) after the folder changed. */
  onChange: () => Promise<unknown>;
}

export class ConfigMapFunctionSource {
  private readonly options: ConfigMapSourceOptions;
  private readonly informer: Informer<V1ConfigMap>;
  private writes: Promise<unknown> = Promise.resolve();
  private reloadTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = 1000;
  private stopped = false;

  constructor(options: ConfigMapSourceOptions) {
    this.options = options;
    const api = options.kubeConfig.makeApiClient(CoreV1Api);
    const { namespace } = options;
    this.informer = makeInformer(
      options.kubeConfig,
      `/api/v1/namespaces/${namespace}/configmaps`,
      () => api.listNamespacedConfigMap({ namespace, labelSelector: CONFIGMAP_SELECTOR }),
      CONFIGMAP_SELECTOR,
    );
    this.informer.on("add", (cm) => this.enqueue(() => this.write(cm)));
    this.informer.on("update", (cm) => this.enqueue(() => this.write(cm)));
    this.informer.on("delete", (cm) => this.enqueue(() => this.remove(cm)));
    this.informer.on("connect", () => {
      this.retryMs = 1000;
    });
    this.informer.on("error", (error: unknown) => this.retry(error));
  }

  /** Resolves once the ConfigMaps that exist now are written out. */
  async start(): Promise<void> {
    await rm(this.options.dir, { recursive: true, force: true });
    await mkdir(this.options.dir, { recursive: true });
    await this.informer.start();
    await this.writes;
    clearTimeout(this.reloadTimer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.reloadTimer);
    await this.informer.stop();
  }

  /** The watch failed (API server down, network): start again, backing off up to 30 s. */
  private retry(error: unknown): void {
    if (this.stopped) return;
    this.options.logger.warn({ err: (error as Error)?.message ?? String(error), retryInMs: this.retryMs }, "configmap watch failed; retrying");
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.informer.start().catch((next: unknown) => this.retry(next)), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private enqueue(change: () => Promise<void>): void {
    this.writes = this.writes.then(change).catch((error: unknown) => this.options.logger.error({ err: error }, "could not write a function from its configmap"));
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      void this.writes.then(() => this.options.onChange()).catch((error: unknown) => this.options.logger.error({ err: error }, "reload after a configmap change failed"));
    }, RELOAD_DEBOUNCE_MS);
  }

  private folderOf(cm: V1ConfigMap): string | undefined {
    const folder = folderOfConfigMap(cm);
    if (folder === undefined) {
      this.options.logger.warn({ configmap: cm.metadata?.name, folder: cm.metadata?.labels?.[FOLDER_LABEL] }, `ignored a configmap without a valid ${FOLDER_LABEL} label`);
      return undefined;
    }
    return folder;
  }

  /** Writes the folder beside its final place, then swaps it in, so a reload never sees half of it. */
  private async write(cm: V1ConfigMap): Promise<void> {
    const folder = this.folderOf(cm);
    if (folder === undefined) return;
    const staging = join(this.options.dir, `.staging-${folder}-${randomBytes(4).toString("hex")}`);
    await mkdir(staging);
    await writeConfigMapFiles(staging, cm);
    const target = join(this.options.dir, folder);
    await rm(target, { recursive: true, force: true });
    await rename(staging, target);
    this.options.logger.info({ configmap: cm.metadata?.name, folder, resourceVersion: cm.metadata?.resourceVersion }, "function updated from its configmap");
  }

  private async remove(cm: V1ConfigMap): Promise<void> {
    const folder = this.folderOf(cm);
    if (folder === undefined) return;
    await rm(join(this.options.dir, folder), { recursive: true, force: true });
    this.options.logger.info({ configmap: cm.metadata?.name, folder }, "function removed with its configmap");
  }
}
