// How a function ConfigMap becomes one folder of a local functions folder. The live source and
// the load-back check of `skywalker configmap` both go through here, so the check sees what the
// pods will see.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FOLDER_LABEL } from "./configmap-format.ts";
import { dataKeyProblem, folderLabelProblem } from "./kubernetes-names.ts";

export interface ConfigMapContent {
  metadata?: { labels?: Record<string, string> };
  data?: Record<string, string>;
}

/** The folder the ConfigMap's label names; undefined if there is none the API server could hold. */
export function folderOfConfigMap(cm: ConfigMapContent): string | undefined {
  const folder = cm.metadata?.labels?.[FOLDER_LABEL];
  return folder !== undefined && folderLabelProblem(folder) === undefined ? folder : undefined;
}

/**
 * Writes each key as a file of `dir`. A key the API server would refuse is skipped: none can
 * arrive from a real cluster, and the rule keeps every file inside `dir` ("/" and ".." are out).
 */
export async function writeConfigMapFiles(dir: string, cm: ConfigMapContent): Promise<void> {
  for (const [file, content] of Object.entries(cm.data ?? {})) {
    if (dataKeyProblem(file) === undefined) await writeFile(join(dir, file), content);
  }
}
