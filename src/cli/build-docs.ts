// The build's command line: options, the notebooks to build, the lock, the build and its report.
import { statSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { createReporter, outcomeLine } from "./progress.js";
import { noopStampContent, stampPath, type NoopReads } from "../cache/noop-stamp.js";
import { asDocsError, DocsError } from "../errors.js";
import { printable } from "../io/printable.js";
import { validEnvName } from "../kernel/sandbox/environment.js";
import { KernelSandbox } from "../kernel/sandbox/sandbox.js";
import type { ProjectSnapshot } from "../guard/project-snapshot.js";
import { onWarmStartNotice } from "../kernel/warm/notice.js";
import { allowSnapshotMaking, settleSnapshots } from "../kernel/warm/policy.js";
import { findProject, type Project } from "../project.js";
import { defaultJobs } from "../pipeline/default-jobs.js";
import { defaultNotebooks, expandArguments, jobFor, type NotebookJob } from "../pipeline/jobs.js";
import { preflight } from "../pipeline/preflight.js";
import { preloadBuildModules } from "../pipeline/preload.js";
import { runBuild } from "../pipeline/run.js";
import { acquireBuildLock } from "../write/lock.js";
import { MANIFEST_NAME } from "../write/manifest.js";
import { parameterizedJob, withVariants } from "../pipeline/variants.js";
import type { Target } from "../targets/types.js";
import { mergeParameters, parseParameterArguments, readParametersFile } from "../params/values.js";

const EXIT_USAGE = 2;

/** Every line the build prints goes through here: names and messages with terminal controls in them are shown escaped. */
function say(stream: NodeJS.WriteStream, text: string): boolean {
  return stream.write(printable(text));
}
const STOP_WITHIN_MS = 1500;
/** Longest a finished build waits for a warm-kernel snapshot it is making (it is killed on exit after that). */
const SETTLE_SNAPSHOTS_MS = 120_000;

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
  .description("Executes the notebooks in fresh kernels (built in, or any installed Jupyter kernelspec), writes their outputs back and renders docs/ (Markdown as nbconvert writes it, and HTML).")
  .argument("[notebooks...]", "notebooks or glob patterns to build (default: every notebooks/**/*.ipynb)")
  .option("--no-execute", "render the outputs stored in the notebooks, without running them")
  .option("--check", "build into memory and compare with the files on disk; write nothing; exit 1 if any is stale")
  .option("--no-checks", "skip token verification and the private-key guard for this run (for notebooks that are not this project's pages)")
  .option("--force", "execute every notebook even when its inputs did not change since the last build")
  .option("--out-dir <dir>", "write the docs into this folder instead of docs/")
  .option("--ig <dir>", "write the pages for an HL7 IG rooted at this folder: <dir>/input/pages/<name>.md (Liquid-safe Markdown) and <dir>/input/images/<name>.ipynb with its extracted files; docs/ and notebooks/ stay as they are")
  .option("--timeout <seconds>", "longest a single cell may run (at most 86400)", timeoutSeconds, 60)
  .option("-j, --jobs <n>", "notebooks run at once (default: one per CPU, as memory allows)", positiveInteger, defaultJobs())
  .option("--max-output <chars>", "most characters of output a cell may produce (streams and display payloads); more fails the notebook (kernel killed)", positiveInteger, 1_000_000)
  .addOption(new Option("--transport <kind>", "how the build talks to kernels").choices(["ipc", "tcp"]).default("ipc"))
  .option("--no-wait", "when another build of this project is running, exit at once instead of waiting for it")
  .option("--strict", "refuse every opt-out of the checks (the unverified-token tag, \"docs\": {\"allow_private_keys\"}, --no-checks, --no-sandbox, --pass-env) and a machine where the kernel sandbox cannot start")
  .option("-v, --verbose", "print the full error text and kernel log of a failure")
  .option("-p, --param <name=value>", "set a parameter of the notebooks named (repeatable); needs --out-dir", (v: string, all: string[]) => [...all, v], [] as string[])
  .option("--params-file <file>", "set parameters from a JSON object (-p wins over it); needs --out-dir")
  .option("--allow-undeclared", "inject parameters the notebook's parameters cell does not declare")
  .option("--keys <dir>", "the folder of public keys that every token shown must verify against (default: keys/)")
  .option("--no-sandbox", "run kernels unconfined, with your rights (an opt-out: listed, refused by --strict)")
  .option("--pass-env <name>", "give the kernels this variable of the environment (repeatable; an opt-out: listed, refused by --strict)", (v: string, all: string[]) => [...all, v], [] as string[])
  .addHelpText("after", "\nExit codes: 0 success (with --check: nothing stale), 1 a notebook failed or (--check) a file is stale,\n2 usage error, a notebook that cannot be read or rendered, a kernel not found, unusable keys/,\ncolliding pages or a link in the way, 130/143 stopped by SIGINT/SIGTERM.")
  .exitOverride()
  .configureOutput({ writeErr: (s) => say(process.stderr, s) });

interface CliOptions {
  execute: boolean;
  checks: boolean;
  strict?: boolean;
  check?: boolean;
  force?: boolean;
  outDir?: string;
  ig?: string;
  timeout: number;
  jobs: number;
  maxOutput: number;
  transport: "ipc" | "tcp";
  verbose?: boolean;
  wait: boolean;
  param: string[];
  paramsFile?: string;
  allowUndeclared?: boolean;
  keys?: string;
  sandbox: boolean;
  passEnv: string[];
}

async function main(): Promise<number> {
  try {
    program.parse(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : EXIT_USAGE;
    throw e;
  }
  const opts = program.opts<CliOptions>();
  const project = findProject(process.cwd(), opts.outDir);
  if (opts.outDir !== undefined && statSync(project.docsDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    say(process.stderr, `--out-dir ${opts.outDir}: not a folder\n`);
    return EXIT_USAGE;
  }
  let target: Target | undefined;
  if (opts.ig !== undefined) {
    const problem =
      opts.outDir !== undefined ? "--ig and --out-dir name two places for the pages: give one"
      : statSync(resolve(opts.ig), { throwIfNoEntry: false })?.isDirectory() !== true ? `--ig ${opts.ig}: not a folder (the IG's root, holding input/)`
      : overlaps(resolve(opts.ig), project) ? `--ig ${opts.ig} overlaps ${relative(process.cwd(), project.notebooksDir) || "."}/ or ${relative(process.cwd(), project.docsDir) || "."}/: give the IG's own folder`
      : undefined;
    if (problem) {
      say(process.stderr, `${problem}\n`);
      return EXIT_USAGE;
    }
    const { igTarget } = await import("../targets/ig.js");
    target = igTarget(project, resolve(opts.ig));
  }
  if (opts.keys !== undefined) {
    project.keysDir = resolve(opts.keys);
    if (!statSync(project.keysDir, { throwIfNoEntry: false })?.isDirectory()) {
      say(process.stderr, `--keys ${opts.keys}: not a folder\n`);
      return EXIT_USAGE;
    }
  }
  const badName = opts.passEnv.find((name) => !validEnvName(name));
  if (badName !== undefined) {
    say(process.stderr, `--pass-env ${JSON.stringify(badName)}: not a variable name\n`);
    return EXIT_USAGE;
  }
  if (opts.sandbox && opts.transport === "tcp" && opts.execute) {
    say(process.stderr, "--transport tcp: a sandboxed kernel has a network of its own, which the build cannot reach over tcp; use ipc (the default), or --no-sandbox\n");
    return EXIT_USAGE;
  }
  const fromFile = opts.paramsFile === undefined ? new Map() : await readParametersFile(opts.paramsFile);
  const params = mergeParameters(fromFile, parseParameterArguments(opts.param));
  const parameterized = opts.paramsFile !== undefined || params.size > 0;
  if (parameterized) {
    // The source notebook is never rewritten with other values: its run goes elsewhere.
    const problem =
      target !== undefined ? "--ig publishes the notebooks as they are: parameters go with --out-dir"
      : program.args.length === 0 ? "parameters apply to the notebooks named on the command line; name them"
      : opts.outDir === undefined ? "with parameters the executed notebook and its pages go to --out-dir DIR, which is required"
      : !opts.execute ? "parameters need the notebooks to run: drop --no-execute"
      : undefined;
    if (problem) {
      say(process.stderr, `${problem}\n`);
      return EXIT_USAGE;
    }
  }
  const expanded = await expandArguments(program.args, process.cwd());
  if (expanded.unmatched.length > 0) {
    say(process.stderr, `no notebook matches ${expanded.unmatched.map((p) => `"${p}"`).join(", ")}\n`);
    return EXIT_USAGE;
  }
  const paths = program.args.length > 0 ? expanded.paths : await defaultNotebooks(project);
  if (paths.length === 0) {
    say(process.stderr, `no notebooks found under ${project.notebooksDir}\n`);
    return EXIT_USAGE;
  }

  // Opt-outs of the checks, one line per notebook, so that a reviewer sees them in every log.
  const { notebookOptOuts } = await import("../guard/opt-outs.js");
  const optOuts = await notebookOptOuts(paths, (p) => jobFor(p, project).label);
  const runOptOuts = [
    ...(opts.checks ? [] : ["--no-checks: tokens are not verified and private keys not refused"]),
    ...(opts.sandbox ? [] : ["--no-sandbox: kernels run unconfined, with your rights"]),
    ...[...new Set(opts.passEnv)].map((name) => `--pass-env ${name}: the kernels see this variable`),
  ];
  if (runOptOuts.length > 0) optOuts.unshift({ label: "this run", optOuts: runOptOuts });
  const optOutLines = optOuts.map(({ label, optOuts: list }) => `opt-out ${label}: ${list.join("; ")}\n`);
  for (const line of optOutLines) say(process.stdout, line);
  if (opts.strict && optOuts.length > 0) {
    say(process.stderr, `--strict: ${optOuts.length} opt-out(s) of the checks (listed above); nothing was run\n`);
    return 1;
  }

  // Every kernel in a sandbox (src/kernel/sandbox/): tried once, when a kernel is about to start.
  const sandbox = opts.sandbox ? new KernelSandbox({ projectRoot: project.root, readOnly: [project.keysDir], passEnv: opts.passEnv }) : undefined;
  if (sandbox && opts.strict && opts.execute) {
    const probe = await sandbox.ready();
    if (!probe.ok) throw new DocsError("ERR_SANDBOX", `--strict: the kernel sandbox cannot start here (${probe.reason}); nothing was run`);
  }

  // An IG gets each notebook's own page: a variant's notebook is not kept, and the IG lists its pages itself.
  const jobs = target
    ? target.place(paths.map((p) => jobFor(p, project)))
    : parameterized
      ? paths.map((p) => parameterizedJob(jobFor(p, project), params, opts.allowUndeclared === true))
      : await withVariants(paths.map((p) => jobFor(p, project)), project);
  await preflight(project, jobs, { listed: program.args.length > 0 ? await defaultNotebooks(project) : [], execute: opts.execute, ...(target ? { target } : {}) });
  let warned = false;
  const warn = (line: string): void => {
    warned = true;
    say(process.stderr, `build-docs: ${line}\n`);
  };
  // --check writes nothing, so it takes no lock and works on a read-only checkout.
  const release = opts.check
    ? undefined
    : await acquireBuildLock(project, {
        wait: opts.wait,
        onWait: (lock) => warn(`another build of this project is running (lock ${lock}); waiting for it…`),
        onCompromised: (e) => warn(`the build lock was lost (${e.message}); another build may write at the same time`),
      });
  // Under the lock, a build makes the warm-kernel snapshots that are missing or stale (one process at a time).
  if (release) allowSnapshotMaking();
  let done: Built;
  try {
    done = await build(opts, project, jobs, warn, target, sandbox);
    // A writing run that changed nothing and had nothing to say records what it read, so that
    // the same command answers from a stat of those files next time (cache/noop-stamp.ts); any
    // other writing run drops that record. Under the lock, through the writer, as every file.
    // The stamp vouches for docs/; a build into an IG leaves it alone.
    if (!opts.check && target === undefined) {
      const eligible = done.noop !== undefined && !warned && opts.checks && !parameterized && program.args.length === 0;
      const stamp = eligible ? noopStampContent({ argv: process.argv.slice(2), cwd: process.cwd(), stdout: [...optOutLines, ...done.noop!.lines].join(""), summary: done.noop!.summary }, done.noop!.reads) : null;
      await keepNoopStamp(project, stamp, opts.verbose === true ? warn : undefined);
    }
  } finally {
    await release?.();
  }
  return done.exitCode;
}

/** Writes the no-op stamp, or deletes it (`null`). It only saves time: a failure costs the next build its short cut, never this build its result. */
async function keepNoopStamp(project: Project, content: Buffer | null, verbose: ((line: string) => void) | undefined): Promise<void> {
  const [{ Bounds }, { nodeFileSystem }, { commitUnit }, { journalPathOf }] = await Promise.all([
    import("../write/bounds.js"),
    import("../write/fs-layer.js"),
    import("../write/unit.js"),
    import("../write/writer.js"),
  ]);
  const show = (p: string): string => relative(project.root, p);
  try {
    await commitUnit([{ path: stampPath(join(project.root, ".cache")), content }], { fs: nodeFileSystem, bounds: new Bounds([project.root], show), journalPath: journalPathOf(project), show });
  } catch (e) {
    verbose?.(`no-op stamp not ${content ? "written" : "removed"}: ${(e as Error).message}`);
  }
}

interface Built {
  exitCode: number;
  /** Set when every notebook was found unchanged and nothing was written: what was printed and read. */
  noop?: { lines: string[]; summary: string; reads: NoopReads };
}

/** The build itself, once the notebooks are known to be buildable and the lock is held. */
async function build(opts: CliOptions, project: Project, jobs: NotebookJob[], warn: (line: string) => void, target: Target | undefined, sandbox: KernelSandbox | undefined): Promise<Built> {
  // A notebook runs arbitrary code: prove it changed nothing but its own outputs.
  // Before the first notebook runs (not at all when the cache says none must): the project's
  // files, to prove afterwards that the notebooks changed nothing else, and the secrets of keys/,
  // read before any notebook could rewrite them.
  let snapshot: ProjectSnapshot | undefined;
  let prepared: Promise<void> | undefined;
  const beforeExecute = (): Promise<void> =>
    (prepared ??= (async () => {
      // First of all: once a notebook ran, no module of the build is read from disk again.
      await preloadBuildModules();
      const { snapshotProject } = await import("../guard/project-snapshot.js");
      snapshot = await snapshotProject(project.root, project.keysDir);
      if (opts.checks) {
        const { keySources } = await import("../guard/key-sources.js");
        await (await import("../guard/known-secrets-check.js")).knownSecretsOf(project.root, await keySources(project.keysDir, jobs));
      }
      const probe = await sandbox?.ready();
      if (probe && !probe.ok) warn(`the kernel sandbox cannot start here (${probe.reason}); kernels run unconfined, as with --no-sandbox`);
    })());

  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signal === "SIGTERM" ? 143 : 130);
    say(process.stderr, `\n${signal}: stopping, killing kernels…\n`);
    controller.abort(signal);
    // Whatever the build is waiting for, it stops within 2 s: kernels are killed on exit, and
    // every file is renamed into place whole or not at all.
    setTimeout(() => process.exit(signal === "SIGTERM" ? 143 : 130), STOP_WITHIN_MS).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  if (!opts.checks) say(process.stderr, "warning: --no-checks: tokens are not verified and private keys not refused in this run\n");
  const reporter = createReporter(process.stdout, opts.check === true, opts.verbose === true);
  if (opts.verbose) onWarmStartNotice((line) => say(process.stderr, `${line}\n`));
  const t0 = performance.now();
  let result;
  try {
    result = await runBuild({
      project,
      jobs,
      execute: opts.execute,
      force: opts.force === true,
      check: opts.check === true,
      timeoutMs: opts.timeout * 1000,
      maxTextLength: opts.maxOutput,
      parallel: opts.jobs,
      transport: opts.transport,
      checks: opts.checks,
      signal: controller.signal,
      reporter,
      warn,
      beforeExecute,
      ...(target ? { target } : {}),
      ...(sandbox ? { sandbox } : {}),
    });
  } finally {
    reporter.stop();
  }
  // A snapshot being made is finished (within bounds) while the lock is held, for the next build.
  if (!controller.signal.aborted) await settleSnapshots(SETTLE_SNAPSHOTS_MS);
  // Only an executed notebook ran code (a failed one may have run some).
  const ran = result.outcomes.some((o) => !o.ok || o.product.status === "executed");
  if (snapshot && ran && !controller.signal.aborted) {
    const written = new Set([join(project.docsDir, "index.html"), join(project.docsDir, MANIFEST_NAME), project.cacheFile, ...(target ? [target.output.manifest] : [])]);
    for (const o of result.outcomes) if (o.ok && !opts.check) for (const path of o.changed) written.add(path);
    // The pages of a renamed or deleted notebook, removed by the build itself through its manifest.
    for (const path of result.removed) written.add(path);
    const changes = await snapshot.changesSince(written);
    if (changes.length > 0) {
      say(process.stderr, `\nthe notebooks changed files that are not their outputs (a notebook runs with your rights: review it):\n`);
      for (const c of changes.slice(0, 20)) say(process.stderr, `  ${c.how} ${c.path}\n`);
      if (changes.length > 20) say(process.stderr, `  … and ${changes.length - 20} more\n`);
      result.exitCode = Math.max(result.exitCode, 1) as typeof result.exitCode;
    }
  }

  const failed = result.outcomes.filter((o) => !o.ok);
  if (result.stale.length > 0) {
    say(process.stdout, `\n${result.stale.join("\n")}\n`);
    say(process.stdout, `${result.stale.length} file(s) stale: run \`npm run docs\` and commit the result.\n`);
  }
  if (failed.length > 0) {
    say(process.stderr, `\n${failed.length} of ${result.outcomes.length} notebook(s) failed:\n`);
    for (const o of failed) if (!o.ok) say(process.stderr, `${o.error.message.replace(/^/gm, "  ")}\n`);
  }
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const summary = `${result.outcomes.length} notebook(s), ${failed.length} failed${opts.check ? `, ${result.stale.length} stale file(s)` : ""}`;
  say(process.stdout, `${summary}, ${seconds} s\n`);
  if (result.exitCode !== 0 || ran || opts.check || opts.force || target) return { exitCode: result.exitCode };
  const { noopReads } = await import("../pipeline/noop-reads.js");
  const reads = await noopReads(project, result.outcomes, process.argv[1]!);
  // Lines as a log shows them, in the order of the notebooks.
  return { exitCode: 0, ...(reads ? { noop: { lines: result.outcomes.map((o) => `${outcomeLine(o, false)}\n`), summary, reads } } : {}) };
}

/** Whether a folder lies inside notebooks/ or docs/, or holds either. */
function overlaps(dir: string, project: Project): boolean {
  const inside = (a: string, b: string): boolean => {
    const rel = relative(b, a);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  return [project.notebooksDir, project.docsDir].some((d) => inside(dir, d) || inside(d, dir));
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // An error of the build as a whole (keys/ unusable, say): its message and its code's exit
    // status; a stack only for a bug, and only under --verbose.
    const error = asDocsError(e);
    say(process.stderr, `build-docs: ${error.message}\n`);
    if (error.details && process.argv.some((a) => a === "-v" || a === "--verbose")) say(process.stderr, `${error.details}\n`);
    process.exitCode = error.exitStatus;
  },
);
