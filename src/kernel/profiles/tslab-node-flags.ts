/**
 * V8 flags of every tslab kernel the build starts, cold or from the warm snapshot (V8 refuses a
 * snapshot made under other flags). A kernel lives for one notebook: TurboFan's background
 * compiles never pay back in so short a process, and turning them off cut a kernel's CPU by a
 * third with the same wall time per cell. A smaller young generation trims a few MiB off a
 * kernel's peak at no measurable cost. Flags change speed, never what a cell prints. Jupyter's
 * own kernelspec for tslab is not touched.
 */
export const TSLAB_NODE_FLAGS: readonly string[] = ["--no-opt", "--max-semi-space-size=4"];
