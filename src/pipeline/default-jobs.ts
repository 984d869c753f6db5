import { availableParallelism, freemem } from "node:os";

/** Memory one running notebook may take: a tslab kernel peaks near 220 MiB, plus headroom. */
const PER_NOTEBOOK_BYTES = 300 * 1024 * 1024;

/**
 * Notebooks run at once by default: one and a half per CPU. A kernel spends part of its time
 * waiting (its start, messages, the build writing), so a third notebook on 2 cores finished
 * 3 notebooks 11% sooner than 2 at once. Capped so that the kernels fit in free memory.
 */
export function defaultJobs(): number {
  const byCpu = Math.ceil(availableParallelism() * 1.5);
  const byMemory = Math.floor(freemem() / PER_NOTEBOOK_BYTES);
  return Math.max(1, Math.min(byCpu, byMemory));
}
