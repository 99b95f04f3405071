// What a sandbox host knows of the functions routed to it: the spec of each version and the text
// of each code, which its supervisor sends once (see HostProcess.run). Forgetting a function
// drops its specs and the code no remaining spec uses, so a host that lives through many reloads
// does not keep every version it ever ran.
import type { HostFunctionSpec, HostRunRequest, WireRunRequest } from "./protocol.ts";

export class HostCatalog {
  private readonly specs = new Map<string, HostFunctionSpec>();
  private readonly codeByHash = new Map<string, string>();

  /** The run with its function's spec; learns the spec and code the run carries, if any. */
  resolve(wire: WireRunRequest): HostRunRequest {
    const { specKey, fn, ...rest } = wire;
    if (fn !== undefined) {
      const { code, ...spec } = fn;
      if (code !== undefined) this.codeByHash.set(spec.codeHash, code);
      this.specs.set(specKey, spec);
    }
    const spec = this.specs.get(specKey);
    if (spec === undefined) throw new Error(`no spec ${specKey} was sent to this host`);
    return { ...rest, fn: spec };
  }

  code(codeHash: string): string | undefined {
    return this.codeByHash.get(codeHash);
  }

  /** Drops every spec of `functionName`; answers the code hashes that no spec uses any more. */
  forget(functionName: string): string[] {
    const hashes = new Set<string>();
    for (const [key, spec] of this.specs) {
      if (spec.name !== functionName) continue;
      this.specs.delete(key);
      hashes.add(spec.codeHash);
    }
    for (const spec of this.specs.values()) hashes.delete(spec.codeHash);
    for (const hash of hashes) this.codeByHash.delete(hash);
    return [...hashes];
  }

  /** Versions and code texts held (for tests and diagnostics). */
  get size(): { specs: number; codes: number } {
    return { specs: this.specs.size, codes: this.codeByHash.size };
  }
}
