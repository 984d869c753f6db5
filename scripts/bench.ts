#!/usr/bin/env node
// Times the docs build against real Jupyter in a throw-away copy of the project:
// a cold build, repeated no-op builds (directly and through npm), a --check, and
// `jupyter nbconvert --execute` on the same notebooks, and forced builds in a second copy
// without a warm-kernel snapshot (a copied checkout); with the peak memory of the build and of
// every kernel it starts.
import { existsSync } from "node:fs";
import { mkdir, readdir, readlink } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import { setUpJupyter } from "../src/bench/jupyter.js";
import { isTslabKernel, stillRunning, type ProcessPeak, type TreePeaks } from "../src/bench/process-tree.js";
import { combine, formatTable, series, targets, toMiB, type BenchResults, type Execution, type Series, type Skipped } from "../src/bench/report.js";
import { measureKernelStarts } from "../src/bench/kernel-start.js";
import { stopRunning, timedRun, type TimedRun } from "../src/bench/timed-run.js";
import { createWorkspace, type Workspace } from "../src/bench/workspace.js";
import { findProject } from "../src/project.js";

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a whole number above 0");
  return n;
}

const program = new Command()
  .name("bench")
  .description("Measures the docs build (cold, no-op, --check) and `jupyter nbconvert --execute` on the same notebooks, in a temporary copy of the project.")
  .option("--runs <n>", "repetitions of the no-op build, npm run docs and docs:check (the median is reported)", positiveInteger, 5)
  .option("--rounds <n>", "rounds of the cold builds and nbconvert, run in turns (the medians are compared)", positiveInteger, 3)
  .option("-j, --jobs <n>", "passed to the build as --jobs (default: the build's own default)", positiveInteger)
  .option("--no-nbconvert", "skip the Jupyter reference run")
  .option("--keep", "keep the temporary copy and print where it is")
  .option("--json", "print the results as JSON instead of a table")
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

const root = findProject(dirname(fileURLToPath(import.meta.url))).root;
const buildScript = join(root, "dist", "scripts", "build-docs.js");

class Stopped extends Error {}
let stopSignal: NodeJS.Signals | undefined;
const progress = (s: string): boolean => process.stderr.write(`bench: ${s}\n`);

function check(): void {
  if (stopSignal) throw new Stopped(stopSignal);
}

/** Every descendant a watched command started, to find any it left running. */
const started: ProcessPeak[] = [];

async function run(ws: Workspace, command: string, args: string[], env: NodeJS.ProcessEnv, watch = false): Promise<TimedRun> {
  check();
  const result = await timedRun({ command, args, cwd: ws.dir, env, watch });
  if (result.tree) started.push(...result.tree.descendants);
  check();
  return result;
}

function failIfNot0(what: string, r: TimedRun): void {
  if (r.code === 0) return;
  const tail = (r.stderr || r.stdout).trim().split("\n").slice(-15).join("\n");
  throw new Error(`${what} exited with ${r.code ?? r.signal}:\n${tail}`);
}

/** One round of a watched command: its time, exit and memory peaks. */
function round(r: TimedRun): Parameters<typeof combine>[0][number] {
  const tree: TreePeaks = r.tree ?? { root: undefined, descendants: [], peakTreeBytes: 0 };
  return {
    seconds: r.seconds,
    code: r.code,
    processPeakMiB: toMiB(tree.root?.peakBytes ?? 0),
    kernelPeaksMiB: tree.descendants.filter(isTslabKernel).map((k) => toMiB(k.peakBytes)),
    treePeakMiB: toMiB(tree.peakTreeBytes),
  };
}

async function repeat(ws: Workspace, what: string, times: number, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Series> {
  const runs: TimedRun[] = [];
  for (let i = 0; i < times; i++) runs.push(await run(ws, command, args, env));
  progress(`${what}: ${runs.map((r) => r.seconds.toFixed(2)).join(", ")} s`);
  return series(runs.map((r) => ({ seconds: r.seconds, code: r.code, cached: answeredFromCache(r.stdout) })));
}

/** Whether every notebook line the build printed says "(cached)": nothing was executed or rendered. */
function answeredFromCache(stdout: string): boolean {
  const lines = stdout.split("\n").filter((l) => /^(ok|FAIL)\s/.test(l));
  return lines.length > 0 && lines.every((l) => l.includes("(cached)"));
}

/** Processes alive that the commands started, or that sit in the copy. */
async function leftovers(ws: Workspace): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (const p of started) if (await stillRunning(p)) found.set(p.pid, p.cmdline);
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd === ws.dir || cwd.startsWith(`${ws.dir}/`)) found.set(Number(entry), `process in the copy (pid ${entry})`);
  }
  return found;
}

/** Leftover processes, given a moment to finish dying (a stopped build kills its kernels and exits at once): reported, then stopped. */
async function stopLeftovers(ws: Workspace): Promise<string[]> {
  let found = await leftovers(ws);
  for (let i = 0; i < 10 && found.size > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    found = await leftovers(ws);
  }
  for (const pid of found.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone in the meantime.
    }
  }
  return [...found].map(([pid, cmd]) => `${pid}: ${cmd}`);
}

async function bench(ws: Workspace, copied: Workspace, opts: { runs: number; rounds: number; jobs?: number; nbconvert: boolean }): Promise<BenchResults> {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: ws.tmp, CI: "" };
  const jobArgs = opts.jobs ? ["--jobs", String(opts.jobs)] : [];
  const { buildScript } = ws;
  const node = process.execPath;
  const loadAtStart = loadavg()[0]!;

  // The warm kernel's snapshot for the copy's notebooks/, as `prepare` makes it for the project's.
  const snapshot = await run(ws, node, [join(ws.dir, "dist", "scripts", "warm-kernel.js")], env);
  progress(snapshot.stdout.trim());

  let jupyter: ReturnType<typeof setUpJupyter> | undefined;
  let nbSkipped: Skipped | undefined = opts.nbconvert ? undefined : { skipped: "nbconvert: not requested (--no-nbconvert)" };
  if (opts.nbconvert) {
    const prefix = join(ws.dir, ".jupyter-prefix");
    await mkdir(prefix);
    jupyter = setUpJupyter(root, prefix, { ...env, JUPYTER_RUNTIME_DIR: join(ws.dir, ".jupyter-runtime") });
    if (!jupyter.ok) nbSkipped = { skipped: jupyter.reason };
  }
  if (nbSkipped) progress(nbSkipped.skipped);

  // The cold build with warm kernels, with kernels started cold, and nbconvert, in turns: a
  // machine that slows down part-way slows each of them alike.
  const cold: TimedRun[] = [];
  const coldNoWarm: TimedRun[] = [];
  const nbconvertRuns: TimedRun[] = [];
  // A copied checkout: a second copy at another path, with no snapshot made for it. Its first
  // forced build makes one; the later ones, run in the same turns, should be as fast as the
  // cold build above.
  const copiedEnv = { ...env, TMPDIR: copied.tmp };
  const copiedFirst = await run(copied, node, [copied.buildScript, "--force", ...jobArgs], copiedEnv, true);
  failIfNot0("cold build in the copied checkout", copiedFirst);
  progress(`copied checkout in ${copied.dir}: first cold build ${copiedFirst.seconds.toFixed(2)} s`);
  const copiedLater: TimedRun[] = [];
  progress(`copy in ${ws.dir}; ${ws.notebooks.length} notebook(s), ${opts.rounds} round(s)…`);
  for (let i = 1; i <= opts.rounds; i++) {
    const warm = await run(ws, node, [buildScript, "--force", ...jobArgs], env, true);
    failIfNot0("cold build", warm);
    if (i === 1) progress(warm.stdout.trimEnd().replace(/^/gm, "    "));
    cold.push(warm);
    const noWarm = await run(ws, node, [buildScript, "--force", ...jobArgs], { ...env, DOCS_WARM_KERNEL: "0" }, true);
    failIfNot0("cold build without warm kernels", noWarm);
    coldNoWarm.push(noWarm);
    const again = await run(copied, node, [copied.buildScript, "--force", ...jobArgs], copiedEnv, true);
    failIfNot0("cold build in the copied checkout", again);
    copiedLater.push(again);
    let line = `round ${i}: cold build ${warm.seconds.toFixed(2)} s, kernels started cold ${noWarm.seconds.toFixed(2)} s, copied checkout ${again.seconds.toFixed(2)} s`;
    if (jupyter?.ok) {
      // One process for all notebooks: nbconvert runs them in turn, and Python starts once.
      const args = ["--execute", "--to", "markdown", "--ExecutePreprocessor.timeout=60", "--output-dir", join(ws.dir, ".nbconvert-out"), ...ws.notebooks];
      const r = await run(ws, jupyter.nbconvert, args, jupyter.env, true);
      failIfNot0("jupyter nbconvert", r);
      nbconvertRuns.push(r);
      line += `, nbconvert (${jupyter.kernelspec}) ${r.seconds.toFixed(2)} s`;
    }
    progress(line);
  }
  progress("kernel starts, warm and cold in turns…");
  const kernelStarts = await measureKernelStarts(join(ws.dir, "notebooks"), 3);

  const noopBuild = await repeat(ws, "no-op build", opts.runs, node, [buildScript, ...jobArgs], env);
  let npmNoop: Series | Skipped;
  try {
    npmNoop = await repeat(ws, "npm run docs (no-op)", opts.runs, "npm", ["run", "docs", "--", ...jobArgs], env);
  } catch (e) {
    if (e instanceof Stopped) throw e;
    npmNoop = { skipped: `npm run docs: ${(e as Error).message}` };
  }
  const checkRuns = await repeat(ws, "docs:check", opts.runs, node, [buildScript, "--check", ...jobArgs], env);

  const coldBuild = combine(cold.map(round));
  const nbconvert: Execution | Skipped = nbSkipped ?? combine(nbconvertRuns.map(round));
  return {
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}`, loadavg: [loadAtStart, loadavg()[0]!] },
    notebooks: ws.notebooks.map((p) => relative(ws.dir, p)),
    jobs: opts.jobs ?? "default",
    rounds: opts.rounds,
    coldBuild,
    coldBuildNoWarm: combine(coldNoWarm.map(round)),
    copiedFirstBuild: combine([round(copiedFirst)]),
    copiedBuild: combine(copiedLater.map(round)),
    kernelStarts,
    noopBuild,
    npmNoop,
    check: checkRuns,
    nbconvert,
    targets: targets({ coldBuild, noopBuild, nbconvert, npmNoop }),
    leaked: [],
    tmpLeftovers: [],
  };
}

async function main(): Promise<number> {
  try {
    program.parse(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) return e.code === "commander.helpDisplayed" ? 0 : 2;
    throw e;
  }
  const opts = program.opts<{ runs: number; rounds: number; jobs?: number; nbconvert: boolean; keep?: boolean; json?: boolean }>();
  if (!existsSync(buildScript)) {
    process.stderr.write(`bench: ${relative(process.cwd(), buildScript)} is missing: run \`npm run build\` first\n`);
    return 2;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    stopSignal ??= signal;
    progress(`${signal}: stopping the running command…`);
    stopRunning();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const ws = await createWorkspace(root);
  const copied = await createWorkspace(root);
  let results: BenchResults | undefined;
  let error: unknown;
  try {
    results = await bench(ws, copied, { runs: opts.runs, rounds: opts.rounds, nbconvert: opts.nbconvert, ...(opts.jobs ? { jobs: opts.jobs } : {}) });
  } catch (e) {
    error = e;
  } finally {
    const leaked = [...(await stopLeftovers(ws)), ...(await stopLeftovers(copied))];
    const tmpLeftovers = await readdir(ws.tmp).catch(() => []);
    if (results) Object.assign(results, { leaked, tmpLeftovers });
    else if (leaked.length > 0) progress(`stopped processes left running: ${leaked.join("; ")}`);
    if (opts.keep) progress(`kept the copies: ${ws.dir}, ${copied.dir}`);
    else await Promise.all([ws.dispose(), copied.dispose()]);
  }
  if (error instanceof Stopped) return stopSignal === "SIGTERM" ? 143 : 130;
  if (error) throw error;
  const r = results!;
  process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : formatTable(r));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
