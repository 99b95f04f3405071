import type { Handler } from "skywalker";

interface Args {
  service: string;
}

/** A check that must run in exactly one cluster, e.g. because it raises alerts. */
export const main: Handler<Args> = async (args, ctx) => {
  console.log(`running the ${args.service} check in the active cluster`, { runId: ctx.runId });
  return { service: args.service, checkedAt: new Date().toISOString() };
};
