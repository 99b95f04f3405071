// Asynchronous calls from the function to the host (fetch, state): the host answers at once with
// a call id, does the work, and settles the call later through `settle`. Only strings cross.
import type { HostCallKind, HostCallStart } from "./contract.ts";

type HostCall = (kind: HostCallKind, payloadJson: string) => string;

const { stringify, parse } = JSON;
const PromiseCtor = Promise;
const ErrorCtor = TypeError;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export function createHostCalls(hostCall: HostCall) {
  const pending = new Map<number, Pending>();
  return {
    call(kind: HostCallKind, payload: unknown): Promise<unknown> {
      const start = parse(hostCall(kind, stringify(payload))) as HostCallStart;
      if ("error" in start) return PromiseCtor.reject(new ErrorCtor(start.error));
      return new PromiseCtor((resolve, reject) => pending.set(start.id, { resolve, reject }));
    },
    settle(id: number, ok: boolean, payloadJson: string): void {
      const waiting = pending.get(id);
      if (waiting === undefined) return;
      pending.delete(id);
      if (ok) waiting.resolve(parse(payloadJson));
      else waiting.reject(new ErrorCtor(String(parse(payloadJson))));
    },
    /** A run's calls do not outlive it. */
    clear(): void {
      pending.clear();
    },
  };
}
