// Shared by the example functions: wraps a handler so that any error is logged with the
// function's name before it propagates (and fails the run).
import type { Context, Handler } from "skywalker";

export function logged<Args, Result>(name: string, handler: (args: Args, ctx: Context) => Promise<Result>): Handler<Args, Result> {
  return async (args, ctx) => {
    try {
      return await handler(args, ctx);
    } catch (error) {
      ctx.log.error(`${name} failed:`, error);
      throw error;
    }
  };
}
