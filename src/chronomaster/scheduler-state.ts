// The scheduler's state and the operators' per-function overrides, kept in Redis so that every
// chronomaster replica, and a restarted one, agree. Changes are announced on the control channel.
import type { Redis } from "ioredis";
import { publishControl } from "../queue/control-channel.ts";
import { redisKeys } from "../queue/keys.ts";
import type { RedisKeys } from "../queue/keys.ts";

export type SchedulerStatus = "running" | "stopped";

export class SchedulerState {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly keys: RedisKeys;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
    this.keys = redisKeys(prefix);
  }

  /** Running unless an operator stopped it. */
  async status(): Promise<SchedulerStatus> {
    return (await this.redis.get(this.keys.schedulerState)) === "stopped" ? "stopped" : "running";
  }

  async setStatus(status: SchedulerStatus): Promise<void> {
    await this.redis.set(this.keys.schedulerState, status);
    await publishControl(this.redis, this.prefix, { type: "state" });
  }

  async disabled(): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.keys.disabledFunctions));
  }

  async setDisabled(functionName: string, disabled: boolean): Promise<void> {
    if (disabled) await this.redis.sadd(this.keys.disabledFunctions, functionName);
    else await this.redis.srem(this.keys.disabledFunctions, functionName);
    await publishControl(this.redis, this.prefix, { type: "overrides" });
  }
}
