// A running Skywalker process: the shared parts (Redis, functions, run store, metrics) and the
// roles it plays. Roles start in flow order and stop in reverse: the chronomaster stops firing,
// the proxy stops accepting, then the executor drains what is in flight.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { ChronomasterServer } from "../chronomaster/chronomaster-server.ts";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { Executor } from "../executor/executor.ts";
import { ExecutorProbeServer } from "../executor/executor-probe-server.ts";
import { FunctionRegistry } from "../functions/function-registry.ts";
import { createMetrics } from "../metrics/metrics.ts";
import { ProxyServer } from "../proxy/proxy-server.ts";
import { subscribeControl } from "../queue/control-channel.ts";
import { connectRedis } from "../redis/connection.ts";
import { startLocalRedis } from "../redis/local-redis.ts";
import type { LocalRedis } from "../redis/local-redis.ts";
import { RunStore } from "../runs/run-store.ts";
import { kubeConfigFromDefault, namespaceOf } from "../k8s/apply-configmaps.ts";
import { ConfigMapFunctionSource } from "../k8s/configmap-source.ts";
import type { Role, Settings } from "../settings.ts";

export interface RunningService {
  redisUrl: string;
  proxy?: ProxyServer;
  executor?: Executor;
  chronomaster?: ChronomasterServer;
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

/** The functions, from the folder or, with SKYWALKER_SOURCE=configmap, from the cluster's ConfigMaps. */
async function openRegistry(settings: Settings, logger: Logger, stack: Stoppable[]): Promise<FunctionRegistry> {
  const log = logger.child({ component: "functions" });
  if (settings.source === "folder") return FunctionRegistry.open(settings.functionsDir, log);
  const kubeConfig = kubeConfigFromDefault();
  const namespace = namespaceOf(kubeConfig, settings.namespace);
  const dir = join(settings.dataDir, "functions");
  // The source writes the ConfigMaps out before the registry first reads them; later changes reload it.
  const opened: { registry?: FunctionRegistry } = {};
  const source = new ConfigMapFunctionSource({ kubeConfig, namespace, dir, logger: log, onChange: async () => opened.registry?.reload() });
  await source.start();
  stack.push(source);
  log.info({ namespace, dir }, "functions come from configmaps");
  opened.registry = await FunctionRegistry.open(dir, log);
  return opened.registry;
}

export async function startService(role: Role, settings: Settings, logger: Logger): Promise<RunningService> {
  const stack: Stoppable[] = [];
  const stopAll = async (): Promise<void> => {
    for (const part of stack.reverse()) {
      await part.stop().catch((error: unknown) => logger.error({ err: error }, "error while stopping"));
    }
  };
  try {
    let localRedis: LocalRedis | undefined;
    let redisUrl = settings.redisUrl;
    if (redisUrl === undefined) {
      if (role !== "all") throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `REDIS_URL is required for --role ${role} (only --role all starts its own Redis)`);
      localRedis = await startLocalRedis({ dataDir: join(settings.dataDir, "redis") });
      stack.push({ stop: () => localRedis!.stop() });
      redisUrl = localRedis.url;
      logger.info({ component: "redis", url: redisUrl, dataDir: join(settings.dataDir, "redis") }, "started a local redis-server");
    }
    const redis: Redis = connectRedis(redisUrl, { logger });
    stack.push({ stop: async () => redis.disconnect() });
    const registry = await openRegistry(settings, logger, stack);
    const store = new RunStore(redis, { prefix: settings.prefix, historyPerFunction: settings.historyPerFunction, ttlSeconds: settings.runTtlSeconds });
    const metrics = createMetrics();
    const deps = { settings, redisUrl, redis, registry, store, metrics, logger };

    const processId = randomUUID();
    const control = await subscribeControl(redisUrl, settings.prefix, logger, (message) => {
      if (message.type === "reload" && message.by !== processId) void registry.reload().catch((error: unknown) => logger.error({ err: error }, "reload failed"));
    });
    stack.push({ stop: () => control.close() });

    const service: RunningService = { redisUrl, stop: stopAll };
    if (role === "all" || role === "executor") {
      service.executor = new Executor(deps);
      if (role === "executor") {
        // On its own (a pod), an executor needs probes and a metrics endpoint of its own. They
        // listen before it takes its first job and close after it has drained: /healthz answers
        // all along, /readyz only while the executor runs.
        const probes = new ExecutorProbeServer({ settings, redis, metrics, executor: service.executor, logger: logger.child({ component: "executor" }) });
        await probes.start();
        stack.push(probes);
      }
      await service.executor.start();
      stack.push(service.executor);
    }
    if (role === "all" || role === "proxy") {
      service.proxy = new ProxyServer(deps);
      await service.proxy.start();
      stack.push(service.proxy);
    }
    if (role === "all" || role === "chronomaster") {
      // All in one process: the chronomaster posts to its own proxy, wherever it listens.
      const proxyUrl = service.proxy?.url ?? settings.proxyUrl;
      service.chronomaster = new ChronomasterServer({ ...deps, settings: { ...settings, proxyUrl }, processId });
      await service.chronomaster.start();
      stack.push(service.chronomaster);
    }
    return service;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
