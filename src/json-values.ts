// Checks on parsed JSON values that several parts share. How deep JSON may nest: deeper values
// are refused where they come in (a run's args, a function's config, a result): recursive code
// further down the line (schema checks, serialisers) would overflow the stack on them, and no
// real check needs more.
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests objects or arrays deeper than `max`. Iterative, so hostile nesting cannot overflow the stack here either. */
export function nestsDeeperThan(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** "null", "a number", "a list"…: what a JSON value is, for messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
