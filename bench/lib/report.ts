// Flags and markdown output shared by the scenarios: each prints its tables to stdout (so
// RESULTS.md can be put together from the outputs) and its progress to stderr.
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";

/** `--name <number>` from the command line, or the fallback. */
export function numberFlag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} expects a number; got ${JSON.stringify(process.argv[at + 1])}`);
  return value;
}

export function stringFlag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

export function hasFlag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

export function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
}

/** Prints a scenario's output (markdown) to stdout. */
export function print(markdown: string): void {
  process.stdout.write(`${markdown}\n`);
}

function versionOf(command: string, args: string[], pattern: RegExp): string {
  try {
    const output = execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
    return pattern.exec(output)?.[1] ?? output.trim().split("\n")[0]!;
  } catch {
    return "not installed";
  }
}

/** The machine and the versions a result depends on, as a markdown list. */
export function machineDescription(): string {
  const python = "/usr/bin/python3";
  const lines = [
    `- CPU: ${cpus().length} × ${cpus()[0]?.model ?? "unknown"}`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${versionOf("uname", ["-sr"], /(.+)/)}`,
    `- Node: ${process.version}`,
    `- Redis: ${versionOf("redis-server", ["--version"], /v=(\S+)/)}`,
    `- Celery: ${versionOf(python, ["-c", "import celery; print(celery.__version__)"], /(\S+)/)} (${python})`,
    `- Flask: ${versionOf(python, ["-c", "from importlib.metadata import version; print(version(\"flask\"))"], /(\S+)/)}, gunicorn: ${versionOf(python, ["-c", "import gunicorn; print(gunicorn.__version__)"], /(\S+)/)}`,
    `- load average at the start: ${loadavg().map((value) => value.toFixed(2)).join(", ")}`,
  ];
  return lines.join("\n");
}

export function ms(value: number, digits = 1): string {
  return `${value.toFixed(digits)} ms`;
}
