// The two payloads `/execute` accepts, validated into one request: the original chronomaster's
// (`job-name`, `python-codes-config`, `python-codes-args`…) and the plain one (`function`, `args`…).
import { basename } from "node:path";
import { z } from "zod";
import type { JsonValue } from "../../sandbox/contract.ts";
import { HttpError } from "../http/http-error.ts";
import { jsonTypeOf, MAX_JSON_DEPTH, nestsDeeperThan } from "../json-values.ts";
import type { RunTrigger } from "../queue/run-job.ts";

const MAX_NAME_LENGTH = 200;

export interface ExecuteRequest {
  function: string;
  args?: JsonValue;
  /** The field the args came in, for messages: `args`, or the original's `python-codes-args`. */
  argsField: "args" | "python-codes-args";
  scheduledAt?: string;
  trigger: RunTrigger;
  environment?: string;
}

/** Fields only the original's body has, and only the plain one: a body with both is refused. */
const ORIGINAL_ONLY = ["job-name", "python-codes-config", "python-codes-args", "cron", "cron-enabled"];
const PLAIN_ONLY = ["function", "args"];

const required = (expected: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? "required" : `expected ${expected}`),
});

const name = z.string(required("a string")).min(1, "must not be empty").max(MAX_NAME_LENGTH, `at most ${MAX_NAME_LENGTH} characters`);
// z.custom keeps the parsed value as is: a record schema would rebuild it and drop keys such as `__proto__`.
const args = z.custom<JsonValue>((value) => typeof value === "object" && value !== null, { error: "expected a JSON object or array" }).superRefine((value, ctx) => {
  if (nestsDeeperThan(value)) ctx.addIssue({ code: "custom", message: `nests deeper than ${MAX_JSON_DEPTH} levels` });
});
const common = {
  scheduledAt: z.iso.datetime({ offset: true, error: "expected an ISO 8601 date-time, e.g. 2024-05-01T12:00:00Z" }).optional(),
  trigger: z.enum(["api", "schedule"], { error: 'expected "api" or "schedule"' }).optional(),
  environment: name.optional(),
};

const PlainBody = z.strictObject({ function: name, args: args.optional(), ...common });

/**
 * The original's fields; `cron` and `cron-enabled` are carried but never read (as in the original).
 * Not strict: the original chronomaster's callers may send fields of their own.
 */
const OriginalBody = z
  .object({
    "job-name": name.optional(),
    "python-codes-config": name.optional(),
    "python-codes-args": args.optional(),
    cron: z.unknown().optional(),
    "cron-enabled": z.unknown().optional(),
    ...common,
  })
  .superRefine((body, ctx) => {
    if (body["job-name"] !== undefined) return;
    const config = body["python-codes-config"];
    if (config === undefined) ctx.addIssue({ code: "custom", path: ["job-name"], message: "required (or `python-codes-config`)" });
    else if (config !== "" && configName(config) === undefined) ctx.addIssue({ code: "custom", path: ["python-codes-config"], message: "expected `<function>-config.json`" });
  });

/** Validates a parsed JSON body (or the query of `GET /execute`); throws a 400 naming each bad field. */
export function parseExecuteBody(input: unknown): ExecuteRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute request: expected a JSON object naming the function (got ${jsonTypeOf(input)})`);
  }
  const original = ORIGINAL_ONLY.find((field) => Object.hasOwn(input, field));
  const plain = PLAIN_ONLY.find((field) => Object.hasOwn(input, field));
  if (original !== undefined && plain !== undefined) {
    throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute request: \`${plain}\` and \`${original}\`: send the plain body (\`function\`, \`args\`…) or the original's (\`job-name\`, \`python-codes-*\`…), not a mix`);
  }
  if (original !== undefined) {
    const body = check(OriginalBody, input);
    const fn = body["job-name"] ?? configName(body["python-codes-config"] ?? "") ?? "";
    // The original chronomaster sends its tick with the schedule's `cron`: that is a schedule trigger.
    const trigger = body.trigger ?? (body.cron === undefined ? "api" : "schedule");
    return compact({ function: fn, args: body["python-codes-args"], argsField: "python-codes-args", scheduledAt: body.scheduledAt, trigger, environment: body.environment });
  }
  const body = check(PlainBody, input);
  return compact({ ...body, argsField: "args", trigger: body.trigger ?? "api" });
}

/** `GET /execute` carries args as JSON text in the query; everything else stays a string. */
export function executeInputFromQuery(query: Record<string, unknown>): Record<string, unknown> {
  // `wait` and `timeoutMs` say how to answer, not what to run (see execute-route).
  const { wait: _wait, timeoutMs: _timeoutMs, ...out } = query;
  for (const field of ["args", "python-codes-args"]) {
    const text = out[field];
    if (typeof text !== "string") continue;
    try {
      out[field] = JSON.parse(text) as unknown;
    } catch (error) {
      throw new HttpError(400, "ERR_BAD_JSON", `the query parameter \`${field}\` is not valid JSON: ${(error as Error).message}`);
    }
  }
  return out;
}

function configName(config: string): string | undefined {
  const file = basename(config);
  return file.endsWith("-config.json") && file.length > "-config.json".length ? file.slice(0, -"-config.json".length) : undefined;
}

function check<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") return issue.keys.map((key) => `\`${key}\`: unknown field (the plain body takes \`function\`, \`args\`, \`scheduledAt\`, \`trigger\`, \`environment\`)`);
    return [`\`${issue.path.length === 0 ? "(body)" : issue.path.map(String).join(".")}\`: ${issue.message}`];
  });
  throw new HttpError(400, "ERR_BAD_REQUEST", `invalid /execute request: ${problems.join("; ")}`);
}

function compact(request: { [K in keyof ExecuteRequest]: ExecuteRequest[K] | undefined }): ExecuteRequest {
  const out: ExecuteRequest = { function: request.function ?? "", argsField: request.argsField ?? "args", trigger: request.trigger ?? "api" };
  if (request.args !== undefined) out.args = request.args;
  if (request.scheduledAt !== undefined) out.scheduledAt = new Date(request.scheduledAt).toISOString();
  if (request.environment !== undefined) out.environment = request.environment;
  return out;
}
