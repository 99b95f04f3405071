// The package's public surface: what function authors and embedders import from "skywalker".
export type { Context, FunctionLogger, FunctionState, Handler, JsonValue, LogLevel } from "./function-api.ts";
export type { LogEntry, RunError, RunRecord, RunStatus, StepRecord } from "./run-record.ts";
export type { ExecutorKind, LoadedFunction, ResolvedLimits } from "./functions/types.ts";
export { ErrorCodes, SkywalkerError } from "./errors.ts";
