import { availableParallelism, freemem } from "node:os";

/** Memory one running notebook may take: a tslab kernel peaks near 220 MiB, plus headroom. */
const PER_NOTEBOOK_BYTES = 300 * 1024 * 1024;

/**
 * Notebooks run at once by default: one per CPU, fewer when free memory is short. Measured on
 * 2 cores with warm kernels (3 notebooks, alternating rounds): --jobs 2 took 4.25 s, --jobs 3
 * about 4.6 s. A third notebook helped only while kernels spent a second starting (11% with
 * cold kernels); a warm kernel barely waits, so more notebooks than CPUs only compete.
 */
export function defaultJobs(): number {
  return Math.max(1, Math.min(availableParallelism(), Math.floor(freemem() / PER_NOTEBOOK_BYTES)));
}
