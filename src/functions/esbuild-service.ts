// esbuild runs as a child process that stays alive between builds (and a worker thread for its
// sync API), holding about 100 MiB each. Skywalker builds only when it loads functions and once
// for the sandbox runtime, so it stops them once no build is in progress: an executor pod does
// not carry them for nothing. The next build starts esbuild again.
import { stop } from "esbuild";

let inProgress = 0;

export async function whileBuilding<T>(work: () => Promise<T>): Promise<T> {
  inProgress++;
  try {
    return await work();
  } finally {
    done();
  }
}

export function whileBuildingSync<T>(work: () => T): T {
  inProgress++;
  try {
    return work();
  } finally {
    done();
  }
}

function done(): void {
  inProgress--;
  if (inProgress === 0) void stop();
}
