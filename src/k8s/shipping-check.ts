// Refuses, before anything is printed or applied, what cannot be shipped faithfully: objects the
// API server would reject, imports no ConfigMap carries, and any function that would not load
// from its ConfigMaps exactly as it loads locally.
import { ErrorCodes, SkywalkerError } from "../errors.ts";
import type { FunctionCatalog } from "../functions/types.ts";
import { FOLDER_LABEL } from "./configmap-format.ts";
import type { FunctionConfigMap } from "./configmap-format.ts";
import { configMapNameProblem, dataKeyProblem, folderLabelProblem } from "./kubernetes-names.ts";
import { loadBackProblems } from "./load-back.ts";
import { shownRoot } from "./shipping-problem.ts";
import type { ShippingProblem } from "./shipping-problem.ts";
import { unshippedImports } from "./unshipped-imports.ts";

export async function checkShipping(catalog: FunctionCatalog, maps: FunctionConfigMap[]): Promise<void> {
  const shown = shownRoot(catalog.root);
  const problems = [...kubernetesProblems(maps, shown), ...(await unshippedImports(catalog, maps, shown))];
  const reported = new Set(problems.flatMap((problem) => problem.folders));
  problems.push(...(await loadBackProblems(catalog, maps, shown)).filter((problem) => !problem.folders.some((folder) => reported.has(folder))));
  if (problems.length > 0) {
    const lines = problems.map((problem) => `  ${problem.message}`).join("\n");
    throw new SkywalkerError(ErrorCodes.CONFIG_INVALID, `not shipping: ${problems.length} problem(s) would break functions in Kubernetes:\n${lines}`);
  }
}

/** What the API server would reject, or (a folder label) the pods' source would ignore. */
function kubernetesProblems(maps: FunctionConfigMap[], shown: string): ShippingProblem[] {
  const problems: ShippingProblem[] = [];
  for (const map of maps) {
    const folder = map.metadata.labels[FOLDER_LABEL]!;
    const report = (where: string, problem: string | undefined) => {
      if (problem !== undefined) problems.push({ message: `${shown}/${where}: ${problem}`, folders: [folder] });
    };
    report(folder, configMapNameProblem(map.metadata.name));
    report(folder, folderLabelProblem(folder));
    for (const file of Object.keys(map.data)) report(`${folder}/${file}`, dataKeyProblem(file));
  }
  return problems;
}
