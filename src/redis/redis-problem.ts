// Whether Redis answers, for readiness probes and the GUI's state: a PING bounded in time, since
// a Redis that stopped answering would otherwise hold the probe until ioredis gives up.
import type { Redis } from "ioredis";
import { messageOf } from "../errors.ts";

const PING_TIMEOUT_MS = 1000;

/** Why Redis is not usable right now, or undefined when it answered PING. */
export async function redisProblem(redis: Redis): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`Redis did not answer PING within ${PING_TIMEOUT_MS} ms`), PING_TIMEOUT_MS);
  });
  const ping = redis.ping().then(
    (answer) => (answer === "PONG" ? undefined : `Redis answered PING with ${JSON.stringify(answer)}`),
    (error: unknown) => `Redis PING failed: ${messageOf(error)}`,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
