/** Exit codes of the `skywalker` command. */
export const ExitCode = {
  /** The run succeeded (or was skipped by design: disabled, passive cluster). */
  OK: 0,
  /** The function failed, or its run was skipped because of an error. */
  RUN_FAILED: 1,
  /** A usage or config error: nothing ran. */
  USAGE: 2,
} as const;
