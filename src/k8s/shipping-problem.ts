// One reason `skywalker configmap` refuses to ship, and how a folder is named in its message.
import { isAbsolute, relative } from "node:path";

export interface ShippingProblem {
  /** Names the folder or file and says why, e.g. `functions/trail_: a ConfigMap name must…`. */
  message: string;
  /** Folders of the functions this problem breaks, so a later check does not report them again. */
  folders: string[];
}

/** The functions folder as the user knows it: relative to the working directory if inside it. */
export function shownRoot(root: string): string {
  const path = relative(process.cwd(), root);
  if (path === "") return ".";
  return path.startsWith("..") || isAbsolute(path) ? root : path;
}
