// What a request's JSON holds, for messages that say what was expected instead.

/** "null", "a number", "a list"…: what a JSON value is, for messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
