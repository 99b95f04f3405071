#!/usr/bin/env node
// Entry point of the `skywalker` command. Skywalker needs Node 24 (isolated-vm's prebuilt
// binary, TypeScript type stripping). When started by an older node, run again under the
// Node 24 that the `node` npm dependency installs in this project.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  const local = fileURLToPath(new URL("../node_modules/node/bin/node", import.meta.url));
  if (!existsSync(local)) {
    process.stderr.write(
      `skywalker: Node ${process.versions.node} is too old (need 24 or later) and the project's own Node 24 ` +
        `is missing; run \`npm ci\` in ${fileURLToPath(new URL("..", import.meta.url))} first.\n`,
    );
    process.exit(2);
  }
  const child = spawnSync(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(child.status ?? 1);
}
await import("../src/cli/main.ts");
