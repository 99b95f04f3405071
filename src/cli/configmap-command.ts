// `skywalker configmap`: ships the functions folder as ConfigMaps, either printed as YAML (for
// GitOps) or applied through the Kubernetes API with the current kubeconfig.
import { dumpYaml } from "@kubernetes/client-node";
import { resolve } from "node:path";
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import { applyConfigMaps, kubeConfigFromDefault, namespaceOf } from "../k8s/apply-configmaps.ts";
import { buildFunctionConfigMaps } from "../k8s/function-configmaps.ts";

export interface ConfigmapOptions {
  functions: string;
  namespace?: string;
  apply?: boolean;
  output?: string;
  prune?: boolean;
}

export async function configmapCommand(options: ConfigmapOptions): Promise<number> {
  if (options.apply === true && options.output !== undefined) throw new SkywalkerError(ErrorCodes.USAGE, "choose --apply or -o yaml, not both");
  if (options.output !== undefined && options.output !== "yaml") throw new SkywalkerError(ErrorCodes.USAGE, `-o supports only "yaml"; got "${options.output}"`);
  if (options.prune === true && options.apply !== true) throw new SkywalkerError(ErrorCodes.USAGE, "--prune needs --apply");
  if (options.apply !== true) {
    const maps = await buildFunctionConfigMaps(resolve(options.functions), options.namespace);
    process.stdout.write(maps.map((map) => dumpYaml(map, { lineWidth: -1 })).join("---\n"));
    return 0;
  }
  const config = kubeConfigFromDefault();
  const namespace = namespaceOf(config, options.namespace);
  const maps = await buildFunctionConfigMaps(resolve(options.functions), namespace);
  const result = await applyConfigMaps(config, namespace, maps, options.prune === true);
  for (const [verb, names] of Object.entries(result)) {
    for (const name of names as string[]) process.stdout.write(`configmap/${name} ${verb} (namespace ${namespace})\n`);
  }
  return 0;
}
