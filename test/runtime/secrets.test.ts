// Redacting a function's secrets from what its runs leave behind: every string and key of a
// result, error or step, without touching numbers, and the start of a secret where the runtime
// cut a long log string.
import { describe, expect, it } from "vitest";
import { Redactor } from "../../src/runtime/secrets.ts";

describe("Redactor", () => {
  it("redacts strings and keys at any depth, and leaves numbers, booleans and null as they are", () => {
    const redact = new Redactor({ PIN: "1234", TOKEN: "s3cr3t-value" });
    const value = { count: 12345, ok: true, none: null, list: [1234, "pin 1234", { "s3cr3t-value": "x" }], nested: { text: 'say "s3cr3t-value"' } };
    expect(redact.json(value)).toEqual({
      count: 12345,
      ok: true,
      none: null,
      list: [1234, "pin [redacted:PIN]", { "[redacted:TOKEN]": "x" }],
      nested: { text: 'say "[redacted:TOKEN]"' },
    });
  });

  it("keeps a __proto__ key a key", () => {
    const value = JSON.parse('{"__proto__": {"polluted": "1234"}}') as Record<string, unknown>;
    const redacted = new Redactor({ PIN: "1234" }).json(value);
    expect(Object.keys(redacted)).toEqual(["__proto__"]);
    expect(JSON.stringify(redacted)).toBe('{"__proto__":{"polluted":"[redacted:PIN]"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("redacts the start of a secret where a long string was cut", () => {
    const redact = new Redactor({ TOKEN: "sk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZ" });
    expect(redact.text(`${"a".repeat(20)}sk_live_ABCDEF…`)).toBe(`${"a".repeat(20)}[redacted:TOKEN]…`);
    expect(redact.text("body sk_live_ABCDEFGHIJKLMNOPQRSTUVWXYZ and sk_l… more")).toBe("body [redacted:TOKEN] and [redacted:TOKEN]… more");
    // Shorter than the redaction floor, or an ellipsis the function wrote itself after other text: left alone.
    expect(redact.text("sk_…")).toBe("sk_…");
    expect(redact.text("wait…")).toBe("wait…");
  });
});
