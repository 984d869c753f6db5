#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createReporter } from "../src/cli/progress.js";
import { findProject } from "../src/project.js";
import { onWarmStartNotice } from "../src/kernel/warm/notice.js";
import { defaultJobs } from "../src/pipeline/default-jobs.js";
import { defaultNotebooks, expandArguments, jobFor } from "../src/pipeline/jobs.js";
import { runBuild } from "../src/pipeline/run.js";

const EXIT_USAGE = 2;

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
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
  .option("--timeout <seconds>", "longest a single cell may run", positiveNumber, 60)
  .option("-j, --jobs <n>", "notebooks run at once (default: one per CPU, as memory allows)", positiveInteger, defaultJobs())
  .option("--max-output <chars>", "most characters of stream output a cell may print; more fails the notebook (kernel killed)", positiveInteger, 1_000_000)
  .addOption(new Option("--transport <kind>", "how the build talks to kernels").choices(["ipc", "tcp"]).default("ipc"))
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

  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === "SIGTERM" ? 143 : 130);
    process.stderr.write(`\n${signal}: stopping, killing kernels…\n`);
    controller.abort(signal);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const reporter = createReporter(process.stdout, opts.check === true, opts.verbose === true);
  if (opts.verbose) onWarmStartNotice((line) => process.stderr.write(`${line}\n`));
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
