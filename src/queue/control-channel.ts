// Control messages between replicas over Redis pub/sub: the scheduler was started or stopped, a
// function was enabled or disabled, functions should be reloaded. State itself lives in Redis
// keys; a message only tells the others to look again.
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { connectRedis } from "../redis/connection.ts";
import { redisKeys } from "./keys.ts";

export type ControlMessage = { type: "state" } | { type: "overrides" } | { type: "reload"; by: string };

export async function publishControl(redis: Redis, prefix: string, message: ControlMessage): Promise<void> {
  await redis.publish(redisKeys(prefix).controlChannel, JSON.stringify(message));
}

/** Subscribes on a connection of its own (a subscribed connection can do nothing else). */
export async function subscribeControl(
  redisUrl: string,
  prefix: string,
  logger: Logger,
  onMessage: (message: ControlMessage) => void,
): Promise<{ close(): Promise<void> }> {
  const subscriber = connectRedis(redisUrl, { forWorker: true, logger });
  const channel = redisKeys(prefix).controlChannel;
  subscriber.on("message", (from: string, text: string) => {
    if (from !== channel) return;
    try {
      onMessage(JSON.parse(text) as ControlMessage);
    } catch (error) {
      logger.warn({ err: error, text }, "ignored a malformed control message");
    }
  });
  await subscriber.subscribe(channel);
  return {
    close: async () => {
      subscriber.disconnect();
    },
  };
}
