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

/** What the runtime puts where it cut a long string (sandbox/format.ts). */
const CUT_MARK = "…";

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

  /** Redacts every secret in `text`, and the start of one where a long string was cut. */
  text(text: string): string {
    let out = text;
    for (const [name, value] of this.secrets) {
      out = out.split(value).join(`[redacted:${name}]`);
      if (out.includes(CUT_MARK)) out = redactCutStart(out, name, value);
    }
    return out;
  }

  /**
   * Redacts inside a JSON value (results, errors, steps): in its strings and its keys. Numbers and
   * the like are left as they are: a secret of digits must not turn `"durationMs": 12345` into
   * broken JSON.
   */
  json<T>(value: T): T {
    if (this.empty) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item));
    if (typeof value !== "object" || value === null) return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // defineProperty: a key such as "__proto__" stays a key
      Object.defineProperty(out, this.text(key), { value: this.walk(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
}

/** A string cut right after the first characters of a secret: those characters are redacted too. */
function redactCutStart(text: string, name: string, secret: string): string {
  let out = text;
  for (let at = out.indexOf(CUT_MARK); at !== -1; at = out.indexOf(CUT_MARK, at + 1)) {
    for (let length = secret.length - 1; length >= MIN_REDACTED_LENGTH; length--) {
      if (at >= length && out.slice(at - length, at) === secret.slice(0, length)) {
        const replacement = `[redacted:${name}]`;
        out = out.slice(0, at - length) + replacement + out.slice(at);
        at = at - length + replacement.length;
        break;
      }
    }
  }
  return out;
}
