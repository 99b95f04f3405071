// Which chronomaster replica sends the ticks. Every replica keeps its clocks running; the one
// that holds the lease (a Redis key that expires unless renewed) sends each tick at once, the
// others only send, a little later, the ticks the leader has not delivered (see Chronomaster).
// So the proxy does the work of one replica, and a leader that dies or cannot reach the proxy
// costs lateness, never a tick: the Idempotency-Key keeps a tick that both send to one run.
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { redisKeys } from "../queue/keys.ts";

/** How long a lease lasts without renewal. */
export const LEASE_MS = 6000;
/** How often the holder renews it (and the others try to take it). */
const RENEW_MS = 2000;

/** KEYS[1] the lease; ARGV: this replica's id, the lease's length in ms. Answers 1 when held. */
const HOLD_SCRIPT = `
local holder = redis.call("GET", KEYS[1])
if holder == ARGV[1] then
  redis.call("PEXPIRE", KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call("SET", KEYS[1], ARGV[1], "PX", ARGV[2])
  return 1
end
return 0`;

const RELEASE_SCRIPT = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

export class LeaderLease {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly id: string;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  /** Until when the lease is ours for sure, by our own clock. */
  private validUntil = 0;

  constructor(redis: Redis, prefix: string, environment: string, id: string, log: Logger) {
    this.redis = redis;
    this.key = redisKeys(prefix).chronomasterLeader(environment);
    this.id = id;
    this.log = log;
  }

  /** True while this replica holds the lease (and has renewed it recently enough to know). */
  get isLeader(): boolean {
    return this.held && Date.now() < this.validUntil;
  }

  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (!this.held) return;
    this.held = false;
    // Handing over at once: the next replica need not wait for the lease to expire.
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.id).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    const asked = Date.now();
    try {
      const held = (await this.redis.eval(HOLD_SCRIPT, 1, this.key, this.id, LEASE_MS)) === 1;
      if (held !== this.held) this.log.info({ leader: held }, held ? "this replica sends the ticks now" : "another replica sends the ticks now");
      this.held = held;
      // Counted from when we asked: the lease cannot have been granted earlier than that.
      if (held) this.validUntil = asked + LEASE_MS - RENEW_MS;
    } catch (error) {
      this.log.warn({ err: error }, "could not renew the chronomaster lease");
    }
  }
}
