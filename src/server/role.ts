/**
 * How messages name a server radpo talks to: what it is (a judge, a policy server) and the flags and
 * environment variables that set it. The CLI fills it in, so nothing under server/ names a flag itself.
 */
export interface ServerRole {
  /** The noun in messages: "judge", "policy server". */
  noun: string;
  urlFlag: string;
  modelFlag: string;
  serverFlag: string;
  /** What to check when the server refuses the credentials (the variables the key comes from). */
  keyHint: string;
  /** The flag that skips the pre-flight check (--no-preflight). */
  noPreflightFlag: string;
  /** The flag that names batch result files (--from-batch): read through readFlagFile, named in its errors. */
  fromBatchFlag: string;
}
