// The schema of a function's config.json: the original's fields with their meaning unchanged,
// plus Skywalker's `limits`, `isolation`, `retries`, `overlap` and `activeEndpoint`.
import { z } from "zod";
import { parseNetEntry } from "../sandbox-host/capabilities/net-policy.ts";
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

const jsonObject = z.record(z.string(), z.json());
const positiveInt = z.number().int().positive();

const netEntry = z.string().superRefine((entry, ctx) => {
  const rule = parseNetEntry(entry);
  if ("error" in rule) ctx.addIssue({ code: "custom", message: `"${entry}": ${rule.error}` });
});

export const ScheduleEntrySchema = z.strictObject({
  environment: z.string().min(1),
  cron: z.string().min(1),
  "cron-enabled": z.boolean().default(true),
  timezone: z.string().min(1).optional(),
});

export const LimitsSchema = z.strictObject({
  memoryMb: positiveInt.optional(),
  timeoutMs: positiveInt.optional(),
  cpuMs: positiveInt.optional(),
  maxResultBytes: positiveInt.optional(),
  maxLogBytes: positiveInt.optional(),
  maxRequests: positiveInt.optional(),
  maxResponseBytes: positiveInt.optional(),
});

export const FunctionConfigSchema = z.strictObject({
  name: z.string().min(1),
  version: z.union([z.string(), z.number().transform(String)]).optional(),
  enabled: z.boolean().default(true),
  description: z.string().optional(),
  link: z.string().optional(),
  support: z.string().optional(),
  executor: z.string().refine((name) => executorKindOf(name) !== undefined, {
    message: `expected one of ${Object.keys(EXECUTOR_NAMES).map((name) => `"${name}"`).join(", ")}`,
  }),
  handler: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  args: z.union([jsonObject, z.array(jsonObject)]).optional(),
  schedule: z.array(ScheduleEntrySchema).default([]),
  limits: LimitsSchema.optional(),
  isolation: z.enum(["warm", "fresh"]).default("warm"),
  retries: z.number().int().min(0).max(10).default(0),
  overlap: z.enum(["skip", "allow"]).default("skip"),
  activeEndpoint: z.string().regex(/^[A-Za-z0-9.-]+$/, "expected a DNS name").optional(),
  allow: z.strictObject({ net: z.array(netEntry).default([]) }).optional(),
  secrets: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a secret name like SLACK_WEBHOOK_URL")).default([]),
});

export type FunctionConfig = z.infer<typeof FunctionConfigSchema>;
