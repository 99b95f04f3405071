// The runtime's functions are compiled when first called, in every new isolate, unless the code
// cache holds them (see CodeCache.refresh). This runs one step of a built-in no-op function in a
// context of its own, then refreshes the runtime's cache from that isolate: the cache every
// function's isolates share is made where only Skywalker's code has run.
import type ivm from "isolated-vm";
import { BRIDGE } from "../../sandbox/contract.ts";
import type { StepInput, StepOutcome } from "../../sandbox/contract.ts";
import type { CodeCache } from "./code-cache.ts";
import { prepareContext } from "./prepared-context.ts";
import { RUNTIME_SCRIPT } from "./runtime-source.ts";

const WARM_UP_TIMEOUT_MS = 1000;
const NO_OP_BUNDLE = `(() => { "use strict"; globalThis.${BRIDGE.bundle} = (function () { return { handlers: [async (args) => args] }; }); })();`;
const NO_OP_INPUT: StepInput = {
  meta: { function: "skywalker-warm-up", runId: "warm-up", attempt: 1, scheduledAt: null, environment: null, step: 0, stepCount: 1, handler: "warm-up" },
  argsJson: '{"warm":true}',
  secrets: {},
  maxResultBytes: 1024,
};

/** Runs the no-op step in a throwaway context of `isolate` and refreshes the runtime's cache from it. */
export async function warmRuntimeCache(isolate: ivm.Isolate, runtime: ivm.Script, runtimeCode: string, cache: CodeCache): Promise<void> {
  const prepared = prepareContext(isolate, runtime);
  const bundle = isolate.compileScriptSync(NO_OP_BUNDLE, { filename: "skywalker:warm-up.js" });
  try {
    prepared.loadBundle(bundle);
    prepared.startStep.applySync(undefined, [JSON.stringify(NO_OP_INPUT), 0, false], { arguments: { copy: true }, timeout: WARM_UP_TIMEOUT_MS });
    const outcomeJson = prepared.stepOutcome.applySync(undefined, [], { timeout: WARM_UP_TIMEOUT_MS });
    const outcome = typeof outcomeJson === "string" && outcomeJson !== "" ? (JSON.parse(outcomeJson) as StepOutcome) : undefined;
    if (outcome?.ok !== true) throw new Error(`the runtime's warm-up step failed: ${String(outcomeJson)}`);
  } finally {
    bundle.release();
    prepared.release();
  }
  await cache.refresh(isolate, RUNTIME_SCRIPT.key, runtimeCode, RUNTIME_SCRIPT.filename);
}
