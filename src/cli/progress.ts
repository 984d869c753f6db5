import type { NotebookJob, } from "../pipeline/jobs.js";
import type { Outcome, Reporter } from "../pipeline/run.js";
import { printable } from "../io/printable.js";

interface Running {
  job: NotebookJob;
  since: number;
  cell: string;
}

function resultWord(outcome: Outcome, check: boolean): string {
  if (!outcome.ok) return "failed";
  const { status } = outcome.product;
  if (check) return outcome.changed.length > 0 ? `stale (${outcome.changed.length} file${outcome.changed.length === 1 ? "" : "s"})` : status === "unchanged" ? "up to date (cached)" : "up to date";
  if (status === "unchanged") return "unchanged (cached)";
  return `${status}${outcome.changed.length === 0 ? ", no change" : `, ${outcome.changed.length} file${outcome.changed.length === 1 ? "" : "s"} written`}`;
}

/** The line printed when a notebook finishes: name, cells, seconds, result. */
export function outcomeLine(outcome: Outcome, check: boolean): string {
  const cells = outcome.ok ? `${outcome.product.cells} cells` : "";
  return `${outcome.ok ? "ok  " : "FAIL"}  ${outcome.job.label}  ${cells ? `${cells}  ` : ""}${outcome.seconds.toFixed(1)} s  ${resultWord(outcome, check)}`;
}

/**
 * On a terminal, a live line per running notebook under the finished ones; elsewhere (CI
 * logs), one line per notebook when it finishes, so the log reads top to bottom.
 */
export function createReporter(stream: NodeJS.WriteStream, check: boolean, verbose: boolean): Reporter & { stop(): void } {
  const live = stream.isTTY === true;
  const running = new Map<string, Running>();
  let drawn = 0;
  const erase = (): void => {
    if (drawn > 0) stream.write(`\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = (): void => {
    if (!live) return;
    erase();
    const now = performance.now();
    const width = stream.columns ?? 80;
    for (const r of running.values()) {
      // Time first: a narrow terminal cuts the end of the line, not the clock.
      const line = `${((now - r.since) / 1000).toFixed(1).padStart(5)} s  ${r.job.label}  ${r.cell}`;
      stream.write(`${printable(line).slice(0, width - 1)}\n`);
    }
    drawn = running.size;
  };
  const timer = live ? setInterval(draw, 200) : undefined;
  timer?.unref();
  const print = (text: string): void => {
    if (live) erase();
    stream.write(printable(text.endsWith("\n") ? text : `${text}\n`));
    draw();
  };
  return {
    started(job) {
      running.set(job.label, { job, since: performance.now(), cell: "starting kernel" });
      draw();
    },
    cell(job, cell, cells) {
      const r = running.get(job.label);
      if (r) r.cell = `code cell ${cell}/${cells}`;
    },
    finished(outcome) {
      running.delete(outcome.job.label);
      const lines = [outcomeLine(outcome, check)];
      if (!outcome.ok) {
        // A message of several lines (every finding of the checks) keeps them aligned.
        lines.push(outcome.error.message.replace(/^/gm, "      "));
        if (verbose && outcome.error.details) lines.push(outcome.error.details.replace(/^/gm, "      | "));
      }
      print(lines.join("\n"));
    },
    stop() {
      if (timer) clearInterval(timer);
      if (live) erase();
    },
  };
}
