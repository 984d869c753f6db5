// Every module the build may still need once notebooks run, loaded before the first one runs.
//
// The build imports much of itself lazily, so that a build with nothing to do starts fast. But a
// notebook runs with the builder's rights, next to the build's own files: a module first loaded
// after a notebook ran is whatever that notebook left in `dist/` (a stage list emptied, an exit
// forced). So before any notebook runs, each module a later `import()` names is loaded here; a
// later `import()` of it then returns the module already in memory (ES modules are loaded once
// per URL) and never reads the file again. test/e2e/late-loads.test.ts rewrites every file of
// the build's `dist/` from a notebook and checks the build's result did not change.

/** The lazily imported modules of the build, each as its `import()` names it. Keep in step with the code: test/pipeline/preload.test.ts fails for a module missing here. */
const LATE_MODULES: readonly (() => Promise<unknown>)[] = [
  () => import("../cache/depends.js"),
  () => import("../check/diff.js"),
  () => import("../execute/execute-notebook.js"),
  () => import("../guard/key-sources.js"),
  () => import("../guard/known-secrets-check.js"),
  () => import("../guard/opt-outs.js"),
  () => import("../guard/project-snapshot.js"),
  () => import("../io/read-bounded.js"),
  () => import("../kernel/kernelspec.js"),
  () => import("../notebook/read.js"),
  () => import("../notebook/serialize.js"),
  () => import("../params/inject.js"),
  () => import("../render/extract.js"),
  () => import("../render/html.js"),
  () => import("../render/liquid-literal.js"),
  () => import("../render/markdown.js"),
  () => import("../render/tag-remove.js"),
  () => import("../stabilize/page-signatures.js"),
  () => import("../stages/index.js"),
  () => import("../targets/ig.js"),
  () => import("../tokens/keyring.js"),
  () => import("../write/bounds.js"),
  () => import("../write/fs-layer.js"),
  () => import("../write/unit.js"),
  () => import("../write/writer.js"),
  () => import("./index-order.js"),
  () => import("./noop-reads.js"),
  () => import("./notebook-title.js"),
  () => import("./variant-pages.js"),
];

let loaded: Promise<void> | undefined;

/** Loads every module of LATE_MODULES, once; resolves when all are in memory. */
export function preloadBuildModules(): Promise<void> {
  return (loaded ??= Promise.all(LATE_MODULES.map((load) => load())).then(() => undefined));
}
