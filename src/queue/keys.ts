// Every Redis key and channel Skywalker uses, in one place, all under the configured prefix.

/** Name of the BullMQ queue that carries runs (BullMQ adds the prefix itself). */
export const RUN_QUEUE = "runs";

export function redisKeys(prefix: string) {
  return {
    /** JSON run record. */
    run: (id: string) => `${prefix}:run:${id}`,
    /** List of a function's run ids, newest first, trimmed to the history size. */
    history: (functionName: string) => `${prefix}:history:${functionName}`,
    /** Id of a function's latest run that was queued (not skipped): the overlap rule looks at it. */
    latestRun: (functionName: string) => `${prefix}:latest:${functionName}`,
    /** The same id for a minute after its admission: its job may not be on the queue yet. */
    justAdmitted: (functionName: string) => `${prefix}:admitted:${functionName}`,
    /** Run id an Idempotency-Key claimed for one function: the same key for another function is another request. */
    idempotency: (functionName: string, key: string) => `${prefix}:idem-of:${encodeURIComponent(functionName)}:${key}`,
    /** Chronomaster scheduler state: "running" | "stopped". */
    schedulerState: `${prefix}:chronomaster:state`,
    /**
     * The chronomaster replica that sends an environment's ticks (a lease: the key expires unless
     * renewed). Per environment: replicas of another environment fire other schedule entries.
     */
    chronomasterLeader: (environment: string) => `${prefix}:chronomaster:leader:${encodeURIComponent(environment)}`,
    /** Set of function names disabled by an operator (overrides config's enabled). */
    disabledFunctions: `${prefix}:chronomaster:disabled`,
    /** Hash executor id → JSON heartbeat. */
    executors: `${prefix}:executors`,
    /** Pub/sub: a run reached a final status; message is the run id. */
    runFinishedChannel: `${prefix}:events:run-finished`,
    /** Pub/sub: control changes (state, overrides, reload); message is JSON. */
    controlChannel: `${prefix}:events:control`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
