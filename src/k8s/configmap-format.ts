// What a function ConfigMap looks like: the labels that select it, the files it carries, its
// size limit. Shared by the command that makes them and the source that reads them.

export const PART_OF = "app.kubernetes.io/part-of";
export const FOLDER_LABEL = "skywalker.io/folder";
export const KIND_LABEL = "skywalker.io/kind";
/** Selects every ConfigMap `skywalker configmap` makes. */
export const CONFIGMAP_SELECTOR = `${PART_OF}=skywalker,${KIND_LABEL}`;
/** The API server refuses a ConfigMap whose data is over 1 MiB. */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;
/** Files a function can import without extra bundler options; only these travel in a ConfigMap. */
export const SHIPPED_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json", ".txt"] as const;

export interface FunctionConfigMap {
  apiVersion: "v1";
  kind: "ConfigMap";
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  data: Record<string, string>;
}
