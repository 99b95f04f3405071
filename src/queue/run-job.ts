// What a queued run carries from the proxy to an executor.
import type { JsonValue } from "../../sandbox/contract.ts";

export type RunTrigger = "api" | "schedule";

export interface RunJobData {
  runId: string;
  function: string;
  /** Args replacing the config's, when given and not empty. */
  args?: JsonValue;
  scheduledAt: string | null;
  environment: string | null;
  trigger: RunTrigger;
  /** Someone waits for this run (`POST /execute?wait=1`): its final record is published whole. */
  notify?: boolean;
}
