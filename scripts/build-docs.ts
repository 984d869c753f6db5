#!/usr/bin/env node
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createReporter } from "../src/cli/progress.js";
import { findProject } from "../src/project.js";
import { defaultNotebooks, expandArguments, jobFor } from "../src/pipeline/jobs.js";
import { runBuild } from "../src/pipeline/run.js";

const EXIT_USAGE = 2;
const STOP_WITHIN_MS = 1500;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}

/** A day: longer is surely a mistake, and far below where a timer overflows (2^31 ms). */
const MAX_TIMEOUT_SECONDS = 24 * 60 * 60;

function timeoutSeconds(value: string): number {
  const n = positiveNumber(value);
  if (n > MAX_TIMEOUT_SECONDS) throw new InvalidArgumentError(`must be at most ${MAX_TIMEOUT_SECONDS} (24 hours)`);
  return n;
}

function positiveInteger(value: string): number {
  const n = positiveNumber(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError("must be a whole number");
  return n;
}

const program = new Command()
  .name("build-docs")
  .description("Executes the notebooks in fresh tslab kernels, writes their outputs back and renders docs/ (Markdown as nbconvert writes it, and HTML).")
  .argument("[notebooks...]", "notebooks or glob patterns to build (default: every notebooks/**/*.ipynb)")
  .option("--no-execute", "render the outputs stored in the notebooks, without running them")
  .option("--check", "build into memory and compare with the files on disk; write nothing; exit 1 if any is stale")
  .option("--force", "execute every notebook even when its inputs did not change since the last build")
  .option("--out-dir <dir>", "write the docs into this folder instead of docs/")
  .option("--timeout <seconds>", "longest a single cell may run (at most 86400)", timeoutSeconds, 60)
  .option("-j, --jobs <n>", "notebooks run at once", positiveInteger, availableParallelism())
  .option("--max-output <chars>", "most characters of output a cell may produce (streams and display payloads); more fails the notebook (kernel killed)", positiveInteger, 1_000_000)
  .addOption(new Option("--transport <kind>", "how the build talks to kernels").choices(["ipc", "tcp"]).default("ipc"))
  .option("--strict", "refuse every opt-out of the checks (the unverified-token tag, \"docs\": {\"allow_private_keys\"})")
  .option("-v, --verbose", "print the full error text and kernel log of a failure")
  .addHelpText("after", "\nExit codes: 0 success (with --check: nothing stale), 1 a notebook failed or (--check) a file is stale,\n2 usage error or unreadable notebook, 130/143 stopped by SIGINT/SIGTERM.")
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

async function main(): Promise<number> {
  try {
    program.parse(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : EXIT_USAGE;
    throw e;
  }
  const opts = program.opts<{
    execute: boolean;
    check?: boolean;
    force?: boolean;
    outDir?: string;
    timeout: number;
    jobs: number;
    maxOutput: number;
    transport: "ipc" | "tcp";
    strict?: boolean;
    verbose?: boolean;
  }>();
  const project = findProject(process.cwd(), opts.outDir);
  const expanded = await expandArguments(program.args, process.cwd());
  if (expanded.unmatched.length > 0) {
    process.stderr.write(`no notebook matches ${expanded.unmatched.map((p) => `"${p}"`).join(", ")}\n`);
    return EXIT_USAGE;
  }
  const paths = program.args.length > 0 ? expanded.paths : await defaultNotebooks(project);
  if (paths.length === 0) {
    process.stderr.write(`no notebooks found under ${project.notebooksDir}\n`);
    return EXIT_USAGE;
  }

  // Opt-outs of the checks, one line per notebook, so that a reviewer sees them in every log.
  const { notebookOptOuts } = await import("../src/guard/opt-outs.js");
  const optOuts = await notebookOptOuts(paths, (p) => jobFor(p, project).label);
  for (const { label, optOuts: list } of optOuts) process.stdout.write(`opt-out ${label}: ${list.join("; ")}\n`);
  if (opts.strict && optOuts.length > 0) {
    process.stderr.write(`--strict: ${optOuts.length} notebook(s) turn checks off (listed above); nothing was run\n`);
    return 1;
  }
  // A notebook runs arbitrary code: prove it changed nothing but its own outputs.
  const { snapshotProject } = await import("../src/guard/project-snapshot.js");
  const snapshot = opts.execute ? await snapshotProject(project.root, project.keysDir) : undefined;
  if (opts.execute) await (await import("../src/guard/known-secrets-check.js")).knownSecretsOf(project.root);

  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === "SIGTERM" ? 143 : 130);
    process.stderr.write(`\n${signal}: stopping, killing kernels…\n`);
    controller.abort(signal);
    // Whatever the build is waiting for, it stops within 2 s: kernels are killed on exit, and
    // every file is renamed into place whole or not at all.
    setTimeout(() => process.exit(signal === "SIGTERM" ? 143 : 130), STOP_WITHIN_MS).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const reporter = createReporter(process.stdout, opts.check === true, opts.verbose === true);
  const t0 = performance.now();
  const result = await runBuild({
    project,
    jobs: paths.map((p) => jobFor(p, project)),
    execute: opts.execute,
    force: opts.force === true,
    check: opts.check === true,
    timeoutMs: opts.timeout * 1000,
    maxTextLength: opts.maxOutput,
    parallel: opts.jobs,
    transport: opts.transport,
    signal: controller.signal,
    reporter,
  });
  reporter.stop();
  // Only an executed notebook ran code (a failed one may have run some).
  const ran = result.outcomes.some((o) => !o.ok || o.product.status === "executed");
  if (snapshot && ran && !controller.signal.aborted) {
    const written = new Set([join(project.docsDir, "index.html"), project.cacheFile]);
    for (const o of result.outcomes) if (o.ok && !opts.check) for (const path of o.changed) written.add(path);
    const changes = await snapshot.changesSince(written);
    if (changes.length > 0) {
      process.stderr.write(`\nthe notebooks changed files that are not their outputs (a notebook runs with your rights: review it):\n`);
      for (const c of changes.slice(0, 20)) process.stderr.write(`  ${c.how} ${c.path}\n`);
      if (changes.length > 20) process.stderr.write(`  … and ${changes.length - 20} more\n`);
      result.exitCode = Math.max(result.exitCode, 1) as typeof result.exitCode;
    }
  }

  const failed = result.outcomes.filter((o) => !o.ok);
  if (result.stale.length > 0) {
    process.stdout.write(`\n${result.stale.join("\n")}\n`);
    process.stdout.write(`${result.stale.length} file(s) stale: run \`npm run docs\` and commit the result.\n`);
  }
  if (failed.length > 0) {
    process.stderr.write(`\n${failed.length} of ${result.outcomes.length} notebook(s) failed:\n`);
    for (const o of failed) if (!o.ok) process.stderr.write(`  ${o.error.message}\n`);
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  process.stdout.write(`${result.outcomes.length} notebook(s), ${failed.length} failed${opts.check ? `, ${result.stale.length} stale file(s)` : ""}, ${seconds} s\n`);
  return result.exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`build-docs: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
