// Process settings from environment variables (and `skywalker start` flags), validated once at
// start-up into a complete, normalised object. A bad value stops start-up naming the variable.
import { z } from "zod";
import { ErrorCodes, SkywalkerError } from "./errors.ts";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const hostList = z
  .string()
  .transform((text) => text.split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== ""))
  .refine((names) => names.every((name) => name === "*" || /^[a-z0-9-]+(\.[a-z0-9-]+)*\.?$/.test(name)), 'expected host names separated by commas, without scheme or port (e.g. "skywalker.example.com,gui.internal"), or "*"');

const EnvSchema = z.object({
  REDIS_URL: z.string().url().optional(),
  SKYWALKER_FUNCTIONS: z.string().min(1).default("./functions"),
  SKYWALKER_ENV: z.string().min(1).optional(),
  /** The original's name for SKYWALKER_ENV. */
  environment: z.string().min(1).optional(),
  SKYWALKER_BIND: z.string().min(1).default("127.0.0.1"),
  SKYWALKER_PROXY_PORT: port.default(5000),
  SKYWALKER_PROXY_REUSE_PORT: z.enum(["true", "false", "1", "0"]).default("false"),
  SKYWALKER_GUI_PORT: port.default(5050),
  SKYWALKER_EXECUTOR_PORT: port.default(5100),
  SKYWALKER_SOURCE: z.enum(["folder", "configmap"]).default("folder"),
  SKYWALKER_NAMESPACE: z.string().min(1).optional(),
  SKYWALKER_PROXY_URL: z.string().url().optional(),
  SKYWALKER_TOKEN: z.string().min(1).optional(),
  SKYWALKER_ALLOWED_HOSTS: hostList.default([]),
  SKYWALKER_CONCURRENCY: positiveInt.default(10),
  SKYWALKER_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default("skywalker"),
  SKYWALKER_HISTORY: positiveInt.default(100),
  SKYWALKER_RUN_TTL_S: positiveInt.default(7 * 24 * 3600),
  SKYWALKER_SANDBOX_HOSTS: positiveInt.default(1),
  SKYWALKER_SANDBOX_MAX_RSS_MB: positiveInt.default(2048),
  SKYWALKER_LOCK_MS: positiveInt.default(30_000),
  SKYWALKER_DRAIN_MS: positiveInt.default(25_000),
  SKYWALKER_WAIT_MAX_MS: positiveInt.default(30_000),
  SKYWALKER_DATA_DIR: z.string().min(1).default("./.data"),
});

export type Role = "all" | "proxy" | "executor" | "chronomaster";

export interface Settings {
  /** Redis to use; undefined means "start a local redis-server" (all-in-one only). */
  redisUrl: string | undefined;
  functionsDir: string;
  /** Schedule environment whose entries this chronomaster fires. @default "production" */
  environment: string;
  /** Address the HTTP servers listen on. @default "127.0.0.1" */
  bind: string;
  proxyPort: number;
  /**
   * Let several proxy processes listen on the same port (SO_REUSEPORT; Linux, FreeBSD): the
   * kernel spreads new connections over them. Off by default, so a second Skywalker started
   * by mistake on a busy port fails instead of taking part of its traffic.
   */
  proxyReusePort: boolean;
  guiPort: number;
  /** Health and metrics of an executor started alone (role executor). */
  executorPort: number;
  /** Where functions come from: the folder, or labelled ConfigMaps through the Kubernetes API. */
  source: "folder" | "configmap";
  /** Namespace of the ConfigMaps; default: the kubeconfig's (in a pod, the pod's own). */
  namespace: string | undefined;
  /** Where the chronomaster POSTs ticks. @default http://127.0.0.1:<proxyPort> */
  proxyUrl: string;
  /** Bearer token every API call must carry, when set. */
  token: string | undefined;
  /**
   * Host names a request may name in its Host header when no token is set, besides IP addresses,
   * localhost and one-word names; "*" allows any. Lower case. @default []
   */
  allowedHosts: string[];
  /** Runs in flight per executor. */
  concurrency: number;
  /** Prefix of every Redis key and BullMQ queue. */
  prefix: string;
  /** Run records kept per function. */
  historyPerFunction: number;
  /** How long a run record is kept, in seconds. */
  runTtlSeconds: number;
  sandboxHosts: number;
  sandboxMaxRssMb: number;
  /** BullMQ job lock: a crashed executor's job is taken over after about this long, in ms. */
  lockMs: number;
  /** Grace time for in-flight runs on SIGTERM, in ms. */
  drainMs: number;
  /** Longest a `?wait=1` request waits for its run, in ms. */
  waitMaxMs: number;
  /** Folder for the local redis-server's data (all-in-one). */
  dataDir: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Settings> = {}): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
    throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `invalid environment: ${problems}`);
  }
  const e = parsed.data;
  const proxyPort = overrides.proxyPort ?? e.SKYWALKER_PROXY_PORT;
  return {
    redisUrl: e.REDIS_URL,
    functionsDir: e.SKYWALKER_FUNCTIONS,
    environment: e.SKYWALKER_ENV ?? e.environment ?? "production",
    bind: e.SKYWALKER_BIND,
    proxyPort,
    proxyReusePort: e.SKYWALKER_PROXY_REUSE_PORT === "true" || e.SKYWALKER_PROXY_REUSE_PORT === "1",
    guiPort: e.SKYWALKER_GUI_PORT,
    executorPort: e.SKYWALKER_EXECUTOR_PORT,
    source: e.SKYWALKER_SOURCE,
    namespace: e.SKYWALKER_NAMESPACE,
    proxyUrl: e.SKYWALKER_PROXY_URL ?? `http://127.0.0.1:${proxyPort}`,
    token: e.SKYWALKER_TOKEN,
    allowedHosts: e.SKYWALKER_ALLOWED_HOSTS,
    concurrency: e.SKYWALKER_CONCURRENCY,
    prefix: e.SKYWALKER_PREFIX,
    historyPerFunction: e.SKYWALKER_HISTORY,
    runTtlSeconds: e.SKYWALKER_RUN_TTL_S,
    sandboxHosts: e.SKYWALKER_SANDBOX_HOSTS,
    sandboxMaxRssMb: e.SKYWALKER_SANDBOX_MAX_RSS_MB,
    lockMs: e.SKYWALKER_LOCK_MS,
    drainMs: e.SKYWALKER_DRAIN_MS,
    waitMaxMs: e.SKYWALKER_WAIT_MAX_MS,
    dataDir: e.SKYWALKER_DATA_DIR,
    ...overrides,
  };
}
