// What the API server accepts as a ConfigMap's name, as the value of the folder label and as a
// data key. Each check returns why a value would be refused, or undefined if it is accepted.

const ALNUM_EDGES = /^[A-Za-z0-9](.*[A-Za-z0-9])?$/s;
const ALLOWED_CHARS = "letters a-z and A-Z, digits, '-', '_' and '.'";

/** A DNS subdomain: at most 253 characters, lowercase letters, digits, '-' and '.'. */
export function configMapNameProblem(name: string): string | undefined {
  if (name.length > 253) return `a ConfigMap name must be at most 253 characters (it would be ${name.length})`;
  if (!/^[a-z0-9.-]*$/.test(name)) return `a ConfigMap name may hold only lowercase letters, digits, '-' and '.' (it would be "${name}")`;
  if (!/^[a-z0-9]/.test(name)) return `a ConfigMap name must start with a letter or digit (it would be "${name}")`;
  if (!/[a-z0-9]$/.test(name)) return `a ConfigMap name must end with a letter or digit (it would be "${name}")`;
  return undefined;
}

/** The folder name as the value of a label: 1 to 63 characters, alphanumeric at both ends. */
export function folderLabelProblem(folder: string): string | undefined {
  if (folder.length === 0) return "an empty folder name cannot be a label value";
  if (folder.length > 63) return `folder name longer than 63 characters cannot be a label value (it has ${folder.length})`;
  if (!/^[A-Za-z0-9._-]+$/.test(folder)) return `folder name "${folder}" cannot be a label value, which may hold only ${ALLOWED_CHARS}`;
  if (!ALNUM_EDGES.test(folder)) return `folder name "${folder}" cannot be a label value, which must start and end with a letter or digit`;
  return undefined;
}

/** A file name as a data key: at most 253 of [-._a-zA-Z0-9], and neither "." nor starting with "..". */
export function dataKeyProblem(file: string): string | undefined {
  if (file.length === 0 || file.length > 253) return "a ConfigMap key must be 1 to 253 characters long";
  if (!/^[-._a-zA-Z0-9]+$/.test(file)) return `a ConfigMap key may hold only ${ALLOWED_CHARS}`;
  if (file === "." || file.startsWith("..")) return `a ConfigMap key cannot be "." or start with ".."`;
  return undefined;
}
