// The schema of a function's config.json: the original's fields with their meaning unchanged,
// plus Skywalker's `limits`, `isolation`, `retries`, `overlap` and `activeEndpoint`.
import { z } from "zod";
import { parseNetEntry } from "../sandbox-host/capabilities/net-policy.ts";
import { expecting } from "./config-issues.ts";
import type { ExecutorKind } from "./types.ts";

const EXECUTOR_NAMES: Record<string, ExecutorKind> = {
  "executor.DefaultExecutor": "default",
  "executor.WorkflowExecutor": "workflow",
  "executor.ActivePassiveExecutor": "active-passive",
  "executor.ActivePassiveWorkflowExecutor": "active-passive-workflow",
  default: "default",
  workflow: "workflow",
  "active-passive": "active-passive",
  "active-passive-workflow": "active-passive-workflow",
};

export function executorKindOf(name: string): ExecutorKind | undefined {
  return Object.hasOwn(EXECUTOR_NAMES, name) ? EXECUTOR_NAMES[name] : undefined;
}

const jsonObject = z.record(z.string(), z.json(), expecting("an object"));
const positiveInt = z.int(expecting("a positive whole number")).positive();
const text = z.string(expecting("a string"));
const nonEmpty = (what: string) => z.string(expecting(what)).min(1);

const netEntry = z.string(expecting("a destination string")).superRefine((entry, ctx) => {
  const rule = parseNetEntry(entry);
  if ("error" in rule) ctx.addIssue({ code: "custom", message: `"${entry}": ${rule.error}` });
});

export const ScheduleEntrySchema = z.strictObject(
  {
    environment: nonEmpty("a non-empty string"),
    cron: nonEmpty('"@every <n>s|m|h" or a cron expression'),
    "cron-enabled": z.boolean(expecting("true or false")).default(true),
    timezone: nonEmpty('an IANA time zone (e.g. "Europe/Paris")').optional(),
  },
  expecting('an object {"environment", "cron"}'),
);

export const LimitsSchema = z.strictObject(
  {
    memoryMb: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
    cpuMs: positiveInt.optional(),
    maxResultBytes: positiveInt.optional(),
    maxLogBytes: positiveInt.optional(),
    maxRequests: positiveInt.optional(),
    maxResponseBytes: positiveInt.optional(),
  },
  expecting("an object of limits"),
);

const HANDLER = 'a string "<file>.<export>"';

export const FunctionConfigSchema = z.strictObject(
  {
    name: nonEmpty("a string (the folder's name)"),
    version: z.union([z.string(), z.number().transform(String)], expecting("a string or a number")).optional(),
    enabled: z.boolean(expecting("true or false")).default(true),
    description: text.optional(),
    link: text.optional(),
    support: text.optional(),
    executor: z.string(expecting('an executor such as "executor.DefaultExecutor"')).refine((name) => executorKindOf(name) !== undefined, {
      message: `expected one of ${Object.keys(EXECUTOR_NAMES).map((name) => `"${name}"`).join(", ")}`,
    }),
    handler: z.union([nonEmpty(HANDLER), z.array(nonEmpty(HANDLER), expecting("a list of handlers")).min(1, "expected at least one handler")], expecting(`${HANDLER} (a list of them for a workflow)`)),
    args: z.union([jsonObject, z.array(jsonObject)], expecting("an object (or a list of objects, one per workflow step)")).optional(),
    schedule: z.array(ScheduleEntrySchema, expecting("a list of schedule entries")).default([]),
    limits: LimitsSchema.optional(),
    isolation: z.enum(["warm", "fresh"]).default("warm"),
    retries: z.int(expecting("a whole number from 0 to 10")).min(0).max(10).default(0),
    overlap: z.enum(["skip", "allow"]).default("skip"),
    activeEndpoint: z.string(expecting("a DNS name")).regex(/^[A-Za-z0-9.-]+$/, "expected a DNS name").optional(),
    allow: z.strictObject({ net: z.array(netEntry, expecting("a list of destinations")).default([]) }, expecting('an object {"net": [...]}')).optional(),
    secrets: z.array(z.string(expecting("a secret name")).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a secret name like SLACK_WEBHOOK_URL"), expecting("a list of secret names")).default([]),
  },
  expecting("a JSON object"),
);

export type FunctionConfig = z.infer<typeof FunctionConfigSchema>;
