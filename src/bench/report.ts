// What the benchmark measured, the targets it is held to, and the table it prints.
import type { KernelStartTimes } from "./kernel-start.js";
import { median } from "./timed-run.js";

const MiB = 1024 * 1024;
export const toMiB = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;

/** Repeated timings of one command, in seconds. */
export interface Series {
  runs: number[];
  median: number;
  min: number;
  max: number;
  /** Exit codes of the runs; anything but 0 makes the series suspect. */
  exitCodes: (number | null)[];
  /** Runs that executed or rendered a notebook instead of answering from the cache. */
  uncachedRuns: number;
}

export function series(runs: { seconds: number; code: number | null; cached: boolean }[]): Series {
  const seconds = runs.map((r) => r.seconds);
  return {
    runs: seconds,
    median: median(seconds),
    min: Math.min(...seconds),
    max: Math.max(...seconds),
    exitCodes: runs.map((r) => r.code),
    uncachedRuns: runs.filter((r) => !r.cached).length,
  };
}

export interface Skipped {
  skipped: string;
}

export interface Execution {
  /** The median over the rounds. */
  seconds: number;
  /** Every round's time, in order. */
  runs: number[];
  /** The first exit code that was not 0, else 0. */
  exitCode: number | null;
  /** Peak resident memory of the command's own process. */
  processPeakMiB: number;
  /** Peak of each tslab kernel, in the order they started, over all rounds. */
  kernelPeaksMiB: number[];
  /** Highest sum over the whole process tree at one moment. */
  treePeakMiB: number;
}

export interface Target {
  name: string;
  limit: string;
  value: string;
  /** undefined: not measured (e.g. nbconvert skipped). */
  pass: boolean | undefined;
}

export interface BenchResults {
  /** loadavg: 1-minute load average when the benchmark started and when it ended. */
  machine: { cpus: number; node: string; platform: string; loadavg: [number, number] };
  notebooks: string[];
  jobs: number | "default";
  /** Rounds of the cold builds and nbconvert, run in turns; their medians are compared. */
  rounds: number;
  /** The cold build with warm kernels (the default), and with every kernel started the normal way. */
  coldBuild: Execution;
  coldBuildNoWarm: Execution;
  /**
   * A second copy of the project, at another path and without a warm-kernel snapshot (a moved
   * or copied checkout): its first forced build, which makes the snapshot, and the later ones.
   */
  copiedFirstBuild: Execution;
  copiedBuild: Execution;
  kernelStarts: KernelStartTimes;
  noopBuild: Series;
  npmNoop: Series | Skipped;
  check: Series;
  nbconvert: Execution | Skipped;
  targets: Target[];
  /** Processes started by the benchmark still running after their command ended (then stopped). */
  leaked: string[];
  /** Files the commands left in their TMPDIR. */
  tmpLeftovers: string[];
}

export const isSkipped = (x: object): x is Skipped => "skipped" in x;

export const limits = { coldVsNbconvert: 0.4, noopSeconds: 0.3, kernelMiB: 250 };

/** Several rounds of one command as one execution: the median time, the highest peaks. */
export function combine(rounds: { seconds: number; code: number | null; processPeakMiB: number; kernelPeaksMiB: number[]; treePeakMiB: number }[]): Execution {
  return {
    seconds: median(rounds.map((r) => r.seconds)),
    runs: rounds.map((r) => r.seconds),
    exitCode: rounds.find((r) => r.code !== 0)?.code ?? 0,
    processPeakMiB: Math.max(0, ...rounds.map((r) => r.processPeakMiB)),
    kernelPeaksMiB: rounds.flatMap((r) => r.kernelPeaksMiB),
    treePeakMiB: Math.max(0, ...rounds.map((r) => r.treePeakMiB)),
  };
}

/** The no-op build is held to its time through npm, as users run it; without npm when npm was skipped. */
export function targets(r: Pick<BenchResults, "coldBuild" | "noopBuild" | "nbconvert"> & { npmNoop?: Series | Skipped }): Target[] {
  const nb = r.nbconvert;
  const ratio = isSkipped(nb) ? undefined : r.coldBuild.seconds / nb.seconds;
  const kernelMax = Math.max(0, ...r.coldBuild.kernelPeaksMiB);
  const viaNpm = r.npmNoop !== undefined && !isSkipped(r.npmNoop);
  const noop = viaNpm ? (r.npmNoop as Series) : r.noopBuild;
  return [
    {
      name: "cold build / nbconvert",
      limit: `≤ ${limits.coldVsNbconvert}×`,
      value: ratio === undefined ? "n/a (nbconvert skipped)" : `${ratio.toFixed(2)}×`,
      pass: ratio === undefined ? undefined : ratio <= limits.coldVsNbconvert,
    },
    {
      name: viaNpm ? "no-op npm run docs (median)" : "no-op build (median)",
      limit: `< ${limits.noopSeconds} s`,
      value: `${noop.median.toFixed(2)} s`,
      pass: noop.median < limits.noopSeconds,
    },
    {
      name: "peak memory per kernel (max)",
      limit: `≤ ${limits.kernelMiB} MiB`,
      value: r.coldBuild.kernelPeaksMiB.length === 0 ? "no kernel seen" : `${kernelMax.toFixed(1)} MiB`,
      pass: r.coldBuild.kernelPeaksMiB.length === 0 ? undefined : kernelMax <= limits.kernelMiB,
    },
  ];
}

const secs = (s: number): string => s.toFixed(2);
const range = (s: Series): string => `${secs(s.median)}  (${secs(s.min)}–${secs(s.max)}, ${s.runs.length} runs)`;
const codes = (s: Series): string =>
  (s.exitCodes.every((c) => c === 0) ? "" : `  exit codes ${s.exitCodes.join(",")}!`) +
  (s.uncachedRuns === 0 ? "" : `  ${s.uncachedRuns} run(s) not answered from the cache!`);
const kernels = (e: Execution): string =>
  e.kernelPeaksMiB.length === 0 ? "none seen" : `max ${Math.max(...e.kernelPeaksMiB).toFixed(1)}, median ${median(e.kernelPeaksMiB).toFixed(1)}  (${e.kernelPeaksMiB.length} kernels)`;
/** A median with the rounds it was taken from. */
const timed = (e: Execution): string => `${secs(e.seconds)}${e.runs.length > 1 ? `  (${e.runs.map(secs).join(", ")})` : ""}${e.exitCode === 0 ? "" : `  exit code ${e.exitCode}!`}`;

const ratioTo = (e: Execution, nb: Execution | Skipped): string => (isSkipped(nb) ? "" : `  ${(e.seconds / nb.seconds).toFixed(2)}× nbconvert`);

function rows(title: string, entries: [string, string][]): string[] {
  const width = Math.max(...entries.map(([k]) => k.length));
  return [title, ...entries.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
}

export function formatTable(r: BenchResults): string {
  const nb = r.nbconvert;
  const lines = [
    `docs build benchmark: ${r.notebooks.length} notebook(s), ${r.machine.cpus} CPU(s), jobs ${r.jobs}, node ${r.machine.node}`,
    "Absolute numbers depend on this machine (and whatever else it is doing); read the ratios.",
    `Cold builds and nbconvert: median of ${r.rounds} round(s), run in turns.`,
    `1-minute load average ${r.machine.loadavg[0].toFixed(1)} at the start, ${r.machine.loadavg[1].toFixed(1)} at the end` +
      (Math.max(...r.machine.loadavg) > r.machine.cpus ? ": other work competed for the CPUs, the times are inflated." : "."),
    "",
    ...rows("Time (s)", [
      ["cold build (--force)", `${timed(r.coldBuild)}${ratioTo(r.coldBuild, nb)}`],
      ["cold build, no warm kernels", `${timed(r.coldBuildNoWarm)}${ratioTo(r.coldBuildNoWarm, nb)}`],
      ["copied checkout, 1st cold build", `${timed(r.copiedFirstBuild)}${ratioTo(r.copiedFirstBuild, nb)}`],
      ["copied checkout, later cold builds", `${timed(r.copiedBuild)}${ratioTo(r.copiedBuild, nb)}`],
      ["no-op build (node build-docs.js)", range(r.noopBuild) + codes(r.noopBuild)],
      ["no-op build (npm run docs)", isSkipped(r.npmNoop) ? r.npmNoop.skipped : range(r.npmNoop) + codes(r.npmNoop)],
      ["  npm's own overhead (median)", isSkipped(r.npmNoop) ? "-" : secs(r.npmNoop.median - r.noopBuild.median)],
      ["docs:check (unchanged tree)", range(r.check) + (r.check.exitCodes.every((c) => c === 0) ? "  up to date" : `  exit codes ${r.check.exitCodes.join(",")}: STALE after a fresh build!`) + (r.check.uncachedRuns === 0 ? "" : `  ${r.check.uncachedRuns} run(s) not answered from the cache`)],
      ["nbconvert --execute, sequential", isSkipped(nb) ? nb.skipped : timed(nb)],
    ]),
    "",
    ...rows(`Kernel start (median of ${r.kernelStarts.warm.runs}, warm and cold, sandboxed and not, in turns)`, [
      ["warm: ready / CPU", `${secs(r.kernelStarts.warm.readySeconds)} s / ${secs(r.kernelStarts.warm.cpuSeconds)} s`],
      ["cold: ready / CPU", `${secs(r.kernelStarts.cold.readySeconds)} s / ${secs(r.kernelStarts.cold.cpuSeconds)} s`],
      ...(r.kernelStarts.sandboxed
        ? ([
            ["warm, sandboxed", `${secs(r.kernelStarts.sandboxed.warm.readySeconds)} s / ${secs(r.kernelStarts.sandboxed.warm.cpuSeconds)} s`],
            ["cold, sandboxed", `${secs(r.kernelStarts.sandboxed.cold.readySeconds)} s / ${secs(r.kernelStarts.sandboxed.cold.cpuSeconds)} s`],
          ] as [string, string][])
        : [["sandboxed", "the kernel sandbox does not start here"] as [string, string]]),
    ]),
    "",
    ...rows("Peak memory (MiB)", [
      ["build process", r.coldBuild.processPeakMiB.toFixed(1)],
      ["build's kernels (warm)", kernels(r.coldBuild)],
      ["build's kernels (cold)", kernels(r.coldBuildNoWarm)],
      ["build + kernels at once", r.coldBuild.treePeakMiB.toFixed(1)],
      ["nbconvert process", isSkipped(nb) ? "-" : nb.processPeakMiB.toFixed(1)],
      ["nbconvert's kernels", isSkipped(nb) ? "-" : kernels(nb)],
    ]),
    "",
    ...rows(
      "Targets",
      r.targets.map((t) => [`${t.name} ${t.limit}`, `${t.value.padEnd(10)}  ${t.pass === undefined ? "n/a" : t.pass ? "PASS" : "FAIL"}`]),
    ),
  ];
  if (r.leaked.length > 0) lines.push("", `Processes left running after their command (stopped by the benchmark): ${r.leaked.join("; ")}`);
  if (r.tmpLeftovers.length > 0) lines.push("", `Temporary files left behind: ${r.tmpLeftovers.join(", ")}`);
  return lines.join("\n") + "\n";
}
