// Summarises a V8 CPU profile (node --cpu-prof): self time by function, and by package or
// source folder, so a scenario's "what limits it" can name where the time goes.
// Run: node bench/profile-summary.ts bench/out/<file>.cpuprofile [--top 25]
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write("usage: node bench/profile-summary.ts <file.cpuprofile> [--top N]\n");
  process.exit(2);
}
const topIndex = process.argv.indexOf("--top");
const TOP = topIndex === -1 ? 25 : Number(process.argv[topIndex + 1]);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
const totalUs = profile.endTime - profile.startTime;

/** Where a frame's code lives: an npm package, a folder of this repo, or node's internals. */
function areaOf(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1]!;
  if (url.startsWith("node:")) return url.split("/")[0]!.replace(/^node:internal.*/, "node internals");
  const own = /\/(src\/[^/]+|sandbox|bench)\//.exec(url);
  return own?.[1] ?? url;
}

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)!.callFrame;
  const where = frame.url.replace(/^file:\/\/.*?\/(node_modules|src|sandbox|bench)\//, "$1/");
  const key = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const area = areaOf(frame.url, frame.functionName);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
}
const pct = (us: number) => `${((100 * us) / totalUs).toFixed(1)}%`;
const rows = (map: Map<string, number>) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([key, us]) => `| ${pct(us)} | ${(us / 1000).toFixed(0)} ms | ${key.replaceAll("|", "\\|")} |`);
process.stdout.write(`Profile ${file}: ${(totalUs / 1e6).toFixed(1)} s, self time\n\n| share | time | area |\n| --- | --- | --- |\n${rows(byArea).join("\n")}\n\n`);
process.stdout.write(`| share | time | function |\n| --- | --- | --- |\n${rows(byFunction).join("\n")}\n`);
