// Turns schema and JSON errors into issues that name the field path and what was expected.
import type { z } from "zod";
import type { ConfigIssue } from "./types.ts";

/** ["schedule", 2, "cron"] → "schedule[2].cron" */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), "");
}

export function issuesOfZod(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: "unknown field (check its spelling)" }));
    }
    const received = "input" in issue && issue.input === undefined && issue.code === "invalid_type" ? "required field is missing" : issue.message;
    return [{ path: formatPath(issue.path), message: received }];
  });
}

/** Where JSON.parse stopped, as line and column. */
export function jsonParseIssue(text: string, error: unknown): ConfigIssue {
  const message = error instanceof Error ? error.message : String(error);
  const position = /position (\d+)/.exec(message);
  if (position === null) return { path: "", message: `not valid JSON: ${message}` };
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return { path: "", message: `not valid JSON at line ${line}, column ${column}: ${message}` };
}
