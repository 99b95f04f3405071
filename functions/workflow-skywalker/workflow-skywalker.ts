import type { Handler } from "skywalker";
import { logged } from "base-function";

interface Args {
  digits: number;
}

export const main: Handler<Args> = logged("workflow-skywalker", async (args, ctx) => {
  console.log("workflow skywalker");
  const previous = ctx.previousResult as { pi?: number } | undefined;
  const pi = previous?.pi;
  if (typeof pi !== "number") throw new Error("the previous step returned no pi");
  return { step: ctx.step, piRounded: Number(pi.toFixed(args.digits)) };
});
