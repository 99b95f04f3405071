// Turns schema and JSON errors into issues that name the field path and what was expected.
import { jsonTypeOf } from "../json-values.ts";
import type { z } from "zod";
import type { ConfigIssue } from "./types.ts";

/** ["schedule", 2, "cron"] → "schedule[2].cron" */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

/** A value as a message shows it: `null`, `5`, `"abc"`, `a list`. */
export function describeValue(value: unknown): string {
  if (typeof value === "object" && value !== null) return jsonTypeOf(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/**
 * The `error` option of a field's schema. Zod 4 leaves the input out of finished issues, so only
 * here can a missing field be told apart from a wrong one. A check's own message still wins.
 */
export function expecting(what: string): { error: (issue: z.core.$ZodRawIssue) => string } {
  return { error: (issue) => (issue.input === undefined ? `required; ${what}` : `expected ${what}, got ${describeValue(issue.input)}`) };
}

export function issuesOfZod(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ConfigIssue[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: "unknown field (check its spelling)" }));
    }
    const matched = issue.code === "invalid_union" ? matchedBranch(issue.errors) : undefined;
    return matched === undefined ? [{ path: formatPath(path), message: issue.message }] : issuesOfZod(matched, path);
  });
}

/**
 * The one branch of a union whose type the value had (its issues all lie deeper, e.g. a list
 * whose item 1 is wrong), so the message can name `args[1]` rather than the whole union.
 */
function matchedBranch(branches: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const deeper = branches.filter((issues) => issues.length > 0 && issues.every((issue) => issue.path.length > 0));
  return deeper.length === 1 ? deeper[0] : undefined;
}

/** Where JSON.parse stopped, as line and column. */
export function jsonParseIssue(text: string, error: unknown): ConfigIssue {
  if (text.startsWith("\uFEFF")) return { path: "", message: "starts with a byte order mark (BOM), which JSON does not allow: save it as UTF-8 without BOM" };
  if (text.trim() === "") return { path: "", message: "is empty: expected a JSON object" };
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  if (position === null) return { path: "", message: `not valid JSON: ${message}` };
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return { path: "", message: `not valid JSON at line ${line}, column ${column}: ${message}` };
}
