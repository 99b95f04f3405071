// A function's secrets: the values of the names its config lists, from environment variables or
// files in SKYWALKER_SECRETS_DIR (a mounted Kubernetes Secret). They reach the function as
// `ctx.secrets` and are redacted from everything a run leaves behind: logs, results, errors.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const DEFAULT_SECRETS_DIR = "/var/run/secrets/skywalker";
/** Shorter values are not redacted: they would blank out ordinary words. */
const MIN_REDACTED_LENGTH = 4;

export function resolveSecrets(names: readonly string[], env: NodeJS.ProcessEnv = process.env): { values: Record<string, string> } | { missing: string[] } {
  const dir = env.SKYWALKER_SECRETS_DIR ?? DEFAULT_SECRETS_DIR;
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of names) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== "") {
      values[name] = fromEnv;
      continue;
    }
    try {
      values[name] = readFileSync(join(dir, name), "utf8").replace(/\r?\n$/, "");
    } catch {
      missing.push(name);
    }
  }
  return missing.length > 0 ? { missing } : { values };
}

export class Redactor {
  private readonly secrets: [string, string][];

  constructor(values: Record<string, string>) {
    this.secrets = Object.entries(values)
      .filter(([, value]) => value.length >= MIN_REDACTED_LENGTH)
      .sort((a, b) => b[1].length - a[1].length);
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  text(text: string): string {
    let out = text;
    for (const [name, value] of this.secrets) out = out.split(value).join(`[redacted:${name}]`);
    return out;
  }

  /** Redacts inside any JSON value (results, errors), also where a secret was JSON-escaped. */
  json<T>(value: T): T {
    if (this.empty || value === null || value === undefined) return value;
    let json = JSON.stringify(value);
    for (const [name, secret] of this.secrets) json = json.split(JSON.stringify(secret).slice(1, -1)).join(`[redacted:${name}]`);
    return JSON.parse(json) as T;
  }
}
