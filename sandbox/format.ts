// Turns console arguments into one line of text inside the isolate, like Node's console does,
// without ever letting a hostile value (throwing getter, proxy, cycle, huge array) escape or hang.

const MAX_DEPTH = 3;
const MAX_ITEMS = 50;
const MAX_STRING = 10_000;

const { stringify } = JSON;
const { keys } = Object;
const { isArray } = Array;
const StringCtor = String;

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

function formatValue(value: unknown, depth: number, seen: unknown[]): string {
  switch (typeof value) {
    case "string":
      return depth === 0 ? value : stringify(value);
    case "number":
    case "boolean":
    case "undefined":
    case "bigint":
      return depth === 0 || typeof value !== "bigint" ? StringCtor(value) : `${StringCtor(value)}n`;
    case "symbol":
      return safe(() => value.toString(), "Symbol()");
    case "function":
      return `[Function ${safe(() => StringCtor(value.name) || "(anonymous)", "(anonymous)")}]`;
  }
  if (value === null) return "null";
  if (seen.includes(value)) return "[Circular]";
  if (value instanceof Error) {
    return safe(() => StringCtor(value.stack ?? `${value.name}: ${value.message}`), "[Error]");
  }
  if (depth >= MAX_DEPTH) return isArray(value) ? "[Array]" : "[Object]";
  seen.push(value);
  try {
    if (isArray(value)) {
      const items: string[] = [];
      const length = safe(() => value.length, 0);
      for (let i = 0; i < length && i < MAX_ITEMS; i++) {
        items.push(formatValue(safe(() => value[i] as unknown, "[Getter threw]"), depth + 1, seen));
      }
      if (length > MAX_ITEMS) items.push(`... ${length - MAX_ITEMS} more items`);
      return `[ ${items.join(", ")} ]`;
    }
    const target = value as object;
    const objectKeys = safe(() => keys(target), [] as string[]);
    const parts: string[] = [];
    for (let i = 0; i < objectKeys.length && i < MAX_ITEMS; i++) {
      const key = objectKeys[i] as string;
      const item = safe(() => (target as Record<string, unknown>)[key], "[Getter threw]" as unknown);
      parts.push(`${key}: ${formatValue(item, depth + 1, seen)}`);
    }
    if (objectKeys.length > MAX_ITEMS) parts.push(`... ${objectKeys.length - MAX_ITEMS} more keys`);
    return parts.length === 0 ? "{}" : `{ ${parts.join(", ")} }`;
  } finally {
    seen.pop();
  }
}

/** Formats console arguments as one line, each string cut at MAX_STRING characters. */
export function formatLogLine(args: readonly unknown[]): string {
  const parts: string[] = [];
  for (const arg of args) {
    const text = safe(() => formatValue(arg, 0, []), "[Unformattable]");
    parts.push(text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…` : text);
  }
  return parts.join(" ");
}
