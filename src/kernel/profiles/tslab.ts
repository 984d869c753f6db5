import { createHash } from "node:crypto";
import { readdirSync, readFileSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import stripAnsi from "strip-ansi";
import { errorText, summarizeError } from "../../execute/summarize.js";
import type { KernelProfile, WarmStart } from "../profile.js";
import { installPrefix } from "../sandbox/mounts.js";
import { TSLAB_NODE_FLAGS } from "./tslab-node-flags.js";
import { warmArguments, warmStartFailed } from "../warm/warm-start.js";

/** The tslab entry point of this project's own install, so the kernel matches the lock file. */
export function tslabEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("tslab/package.json")), "bin", "tslab");
}

/** tslab prints TypeScript diagnostics as `<line>:<column> - <message>`. */
const DIAGNOSTIC_LINE = /^(\d+):(\d+) - ([^\n]*)/m;

/** A compile error names its line in the cell; anything else reads as the first error line. */
function summarize(text: string): { summary: string; line?: number } {
  const diagnostic = DIAGNOSTIC_LINE.exec(text);
  if (!diagnostic) return { summary: summarizeError(text) };
  return { summary: `TypeScript error at line ${diagnostic[1]}, column ${diagnostic[2]}: ${diagnostic[3]!.trim()}`, line: Number(diagnostic[1]) };
}

/** tslab reports an error raised outside the cell's own flow (after it ended) on a stream. */
function reportsUncaughtError(text: string): boolean {
  return /^(UnhandledPromiseRejection|UncaughtException):/m.test(stripAnsi(text));
}

/** Packages whose version changes what a cell prints. */
const RUNTIME_PACKAGES = ["tslab", "@tslab/typescript-for-tslab", "jose"];

function readdirIfAny(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The package.json of each runtime package, and the folder of the project's patches to tslab. */
function versionSources(): { manifests: Map<string, string>; patches: string } {
  const require = createRequire(import.meta.url);
  const tslabDir = dirname(require.resolve("tslab/package.json"));
  const manifests = new Map<string, string>();
  for (const name of RUNTIME_PACKAGES) {
    // typescript-for-tslab is tslab's own dependency: resolve it from there.
    const from = name.startsWith("@tslab/") ? createRequire(join(tslabDir, "package.json")) : require;
    manifests.set(name, from.resolve(`${name}/package.json`));
  }
  // The project patches tslab (patches/, applied by patch-package on install): a new patch is a new kernel.
  return { manifests, patches: join(tslabDir, "..", "..", "patches") };
}

const patchFiles = (patches: string): string[] => readdirIfAny(patches).filter((n) => n.startsWith("tslab+")).sort().map((n) => join(patches, n));

let runtimeVersions: Record<string, string> | undefined;
function versions(): Record<string, string> {
  if (runtimeVersions) return runtimeVersions;
  const { manifests, patches } = versionSources();
  const out: Record<string, string> = { node: process.versions.node.split(".")[0]! };
  for (const [name, manifest] of manifests) out[name] = (JSON.parse(readFileSync(manifest, "utf8")) as { version: string }).version;
  for (const file of patchFiles(patches)) out[`patch:${basename(file)}`] = createHash("sha256").update(readFileSync(file)).digest("hex");
  return (runtimeVersions = out);
}

function versionFiles(): { files: string[]; dirs: string[] } {
  const { manifests, patches } = versionSources();
  return { files: [...manifests.values(), ...patchFiles(patches)], dirs: [patches] };
}

/** tslab started from a V8 snapshot of a process whose converter is built: `node <flags> --snapshot-blob <blob> tslab kernel …`. */
const tslabWarmStart: WarmStart = {
  async command(cwd) {
    const warm = await warmArguments(cwd);
    // No Node options: a snapshot ignores --import; its own start runs the watchdog (snapshot-entry.cts).
    return warm && ((connectionFile) => [process.execPath, ...warm, "tslab", "kernel", "--config-path", connectionFile]);
  },
  failed: warmStartFailed,
};

/**
 * tslab and jslab from the project's node_modules, run with this Node: no Jupyter needed, and
 * the kernel is the one the lock file names.
 */
function tslabProfile(name: "tslab" | "jslab"): KernelProfile {
  const require = createRequire(import.meta.url);
  const extra = name === "jslab" ? ["--js"] : [];
  return {
    name,
    displayName: name === "jslab" ? "JavaScript" : "TypeScript",
    language: name === "jslab" ? "javascript" : "typescript",
    source: "built in",
    argv: (connectionFile, nodeOptions) => [process.execPath, ...TSLAB_NODE_FLAGS, ...nodeOptions, tslabEntry(), "kernel", ...extra, "--config-path", connectionFile],
    // The snapshot holds tslab's TypeScript converter already built (jslab has none to build).
    ...(name === "tslab" ? { warmStart: tslabWarmStart } : {}),
    // In a sandbox: Node's install, and the node_modules tslab comes from (the build's own).
    sandboxPaths: () => [installPrefix(realpathSync(process.execPath)), dirname(dirname(require.resolve("tslab/package.json")))],
    // No colours in error text; no inherited NODE_OPTIONS changing how the kernel runs.
    env: { FORCE_COLOR: "0", NODE_OPTIONS: "" },
    interruptMode: "signal",
    ipcSeparator: ":",
    abortRetries: 4,
    abortRetryDelayMs: 250,
    rewritesPaths: true,
    summarizeError: (outputs) => summarize(errorText(outputs)),
    reportsUncaughtError,
    fingerprint: () => Promise.resolve(versions()),
    fingerprintSources: versionFiles,
  };
}

export const BUILT_IN_PROFILES: Readonly<Record<string, () => KernelProfile>> = {
  tslab: () => tslabProfile("tslab"),
  jslab: () => tslabProfile("jslab"),
};
