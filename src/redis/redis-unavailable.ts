// The error of a Redis command that could not be answered in time; the HTTP layer answers 503.
import { SkywalkerError } from "../errors.ts";

export const REDIS_UNAVAILABLE = "ERR_REDIS_UNAVAILABLE";

export class RedisUnavailableError extends SkywalkerError {
  constructor(message: string) {
    super(REDIS_UNAVAILABLE, message, { retryable: true });
    this.name = "RedisUnavailableError";
  }
}
