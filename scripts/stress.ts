#!/usr/bin/env node
// Starts many tslab kernels, a few at a time, through the build's own client, and fails
// when any start fails or takes too long: a start that hangs is rare, so it takes many.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import pLimit from "p-limit";
import { KernelClient } from "../src/kernel/client.js";
import type { Transport } from "../src/kernel/connection.js";
import { findProject } from "../src/project.js";

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a whole number above 0");
  return n;
}

const program = new Command()
  .name("stress")
  .description("Starts tslab kernels many times, a few at a time; fails if any start fails or is slow.")
  .option("--starts <n>", "kernel starts in all", positiveInteger, 200)
  .option("--parallel <n>", "starts at once", positiveInteger, 3)
  .option("--limit <seconds>", "slowest start allowed", positiveInteger, 10)
  .option("--transport <ipc|tcp>", "how the client reaches the kernel", "ipc")
  .option("--cold", "start every kernel the normal way, not from the warm-kernel snapshot")
  .parse();

const opts = program.opts<{ starts: number; parallel: number; limit: number; transport: Transport; cold?: boolean }>();
if (opts.cold) process.env.DOCS_WARM_KERNEL = "0";
const notebooks = join(findProject(dirname(fileURLToPath(import.meta.url))).root, "notebooks");

interface Result {
  ms: number;
  error?: string;
}

// Exiting runs the client's exit hook, which kills every kernel still starting.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(signal === "SIGINT" ? 130 : 143));

let done = 0;
const limit = pLimit(opts.parallel);
const results = await Promise.all(Array.from({ length: opts.starts }, () => limit(async (): Promise<Result> => {
  const started = performance.now();
  let result: Result;
  try {
    // The start itself is bounded well past the limit, so a hang shows as a failure, not a stuck run.
    const client = await KernelClient.start({ kernel: "tslab", cwd: notebooks, transport: opts.transport, startTimeoutMs: opts.limit * 3000 });
    result = { ms: performance.now() - started };
    await client.shutdown();
  } catch (e) {
    const error = e as Error & { log?: string };
    result = { ms: performance.now() - started, error: `${error.message}${error.log ? `\n${error.log.trim()}` : ""}` };
  }
  done++;
  if (result.error || result.ms > opts.limit * 1000) {
    process.stderr.write(`start ${done}: ${(result.ms / 1000).toFixed(2)} s${result.error ? `: ${result.error}` : ""}\n`);
  } else if (done % 20 === 0) {
    process.stderr.write(`${done}/${opts.starts} started\n`);
  }
  return result;
})));

const times = results.map((r) => r.ms).sort((a, b) => a - b);
const at = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))]! / 1000).toFixed(2);
const failed = results.filter((r) => r.error).length;
const slow = results.filter((r) => !r.error && r.ms > opts.limit * 1000).length;
process.stdout.write(
  `${opts.starts} kernel starts, ${opts.parallel} at a time (${opts.transport}, ${opts.cold ? "cold" : "warm where a snapshot exists"}): ` +
  `median ${at(0.5)} s, 95th percentile ${at(0.95)} s, slowest ${at(1)} s; ` +
  `${failed} failed, ${slow} over ${opts.limit} s\n`,
);
process.exitCode = failed || slow ? 1 : 0;
