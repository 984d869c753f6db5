import { createHash } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import { DocsError } from "../errors.js";
import { errorText, summarizeError } from "../execute/summarize.js";
import type { KernelProfile } from "./profile.js";
import { BUILT_IN_PROFILES } from "./profiles/tslab.js";

type Env = Readonly<Record<string, string | undefined>>;

function realpathIfAny(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The first `name` on PATH that exists, symlinks resolved unless `resolveLinks` is false; undefined when there is none. */
function onPath(name: string, env: Env, resolveLinks = true): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return resolveLinks ? realpathIfAny(candidate) : candidate;
  }
  return undefined;
}

/**
 * The Python or conda environment's `<prefix>/share/jupyter`, found as jupyter_client's
 * `sys.prefix` would be but without running Python: an active conda or virtual environment,
 * else the folder above the `bin/` of the python3 on PATH.
 */
function environmentDataDir(env: Env): string | undefined {
  const prefix = env.CONDA_PREFIX ?? env.VIRTUAL_ENV ?? (() => {
    const python = onPath("python3", env) ?? onPath("python", env);
    return python ? dirname(dirname(python)) : undefined;
  })();
  return prefix ? join(prefix, "share", "jupyter") : undefined;
}

/** Jupyter's data folders in jupyter_client's order, each once: where `kernels/<name>/` is looked for. */
export function jupyterDataDirs(env: Env = process.env): string[] {
  const dirs: string[] = [];
  for (const dir of (env.JUPYTER_PATH ?? "").split(delimiter)) if (dir !== "") dirs.push(dir);
  const home = env.HOME ?? homedir();
  const user =
    env.JUPYTER_DATA_DIR ??
    (process.platform === "darwin" ? join(home, "Library", "Jupyter") : join(env.XDG_DATA_HOME || join(home, ".local", "share"), "jupyter"));
  dirs.push(user);
  const environment = environmentDataDir(env);
  if (environment) dirs.push(environment);
  dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs.map((d) => resolve(d)))];
}

/** What kernel.json may hold (jupyter_client's KernelSpec). */
interface KernelJson {
  argv: string[];
  display_name?: string;
  language?: string;
  env?: Record<string, string>;
  interrupt_mode?: "signal" | "message";
}

function kernelJsonProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const spec = value as Record<string, unknown>;
  if (!Array.isArray(spec.argv) || spec.argv.length === 0 || !spec.argv.every((a) => typeof a === "string")) return '"argv" is not a list of strings';
  if (spec.env !== undefined && (typeof spec.env !== "object" || spec.env === null || !Object.values(spec.env).every((v) => typeof v === "string"))) {
    return '"env" is not an object of strings';
  }
  if (spec.interrupt_mode !== undefined && spec.interrupt_mode !== "signal" && spec.interrupt_mode !== "message") return '"interrupt_mode" is neither "signal" nor "message"';
  return undefined;
}

/** The kernel folder for `name` in one data folder; kernelspec names are case-insensitive. */
async function kernelFolder(dataDir: string, name: string): Promise<string | undefined> {
  const kernels = join(dataDir, "kernels");
  const entries = await readdir(kernels, { withFileTypes: true }).catch(() => []);
  const entry = entries.find((e) => (e.isDirectory() || e.isSymbolicLink()) && e.name.toLowerCase() === name.toLowerCase());
  return entry && existsSync(join(kernels, entry.name, "kernel.json")) ? join(kernels, entry.name) : undefined;
}

/** A kernel installed in Jupyter's folders, started from its kernel.json as jupyter_client starts it. */
function kernelspecProfile(name: string, folder: string, raw: Buffer, spec: KernelJson, env: Env): KernelProfile {
  const fill = (arg: string, connectionFile: string): string => arg.replaceAll("{connection_file}", connectionFile).replaceAll("{resource_dir}", folder);
  const program = spec.argv[0]!;
  return {
    name,
    displayName: spec.display_name ?? name,
    language: spec.language ?? "",
    source: folder,
    argv: (connectionFile) => spec.argv.map((a) => fill(a, connectionFile)),
    // In a sandbox: the program's install (the folder above its bin/, as found and with links
    // resolved: a virtual environment links its python) and the kernelspec folder.
    sandboxPaths: () => {
      const found = isAbsolute(program) ? program : onPath(program, env, false);
      const real = found ? realpathIfAny(found) : undefined;
      return [folder, ...[found, real].flatMap((p) => (p ? [dirname(dirname(p))] : []))];
    },
    env: spec.env ?? {},
    interruptMode: spec.interrupt_mode ?? "signal",
    ipcSeparator: "-",
    abortRetries: 0,
    abortRetryDelayMs: 0,
    // Tracebacks stay as the kernel wrote them: the page must equal nbconvert's.
    rewritesPaths: false,
    summarizeError(outputs) {
      const error = outputs.find((o) => o.output_type === "error");
      if (error) return { summary: `${String(error.ename)}: ${String(error.evalue)}` };
      return { summary: summarizeError(errorText(outputs)) };
    },
    reportsUncaughtError: () => false,
    async fingerprint() {
      // The kernelspec, and the program it starts as it is on this machine (a new interpreter
      // or kernel install changes its size or time).
      const path = isAbsolute(program) ? program : onPath(program, env);
      const st = path ? await stat(path).catch(() => undefined) : undefined;
      return {
        kernelspec: createHash("sha256").update(raw).digest("hex"),
        program: st ? `${path}:${st.size}:${st.mtimeMs}` : `${program}:(not found)`,
      };
    },
  };
}

/**
 * The profile for a notebook's `metadata.kernelspec.name`: the built-in ones, or any other
 * kernel found in Jupyter's kernelspec folders. Throws ERR_KERNEL_NOT_FOUND naming the folders
 * searched, or ERR_KERNEL_NOT_FOUND for a kernel.json that cannot be used.
 */
export async function resolveKernel(name: string, env: Env = process.env): Promise<KernelProfile> {
  const builtIn = Object.hasOwn(BUILT_IN_PROFILES, name) ? BUILT_IN_PROFILES[name] : undefined;
  if (builtIn) return builtIn();
  const searched = jupyterDataDirs(env);
  for (const dataDir of searched) {
    const folder = await kernelFolder(dataDir, name);
    if (!folder) continue;
    const file = join(folder, "kernel.json");
    const raw = await readFile(file).catch((e: Error) => {
      throw new DocsError("ERR_KERNEL_NOT_FOUND", `kernel "${name}": cannot read ${file} (${e.message})`);
    });
    let spec: unknown;
    try {
      spec = JSON.parse(raw.toString("utf8"));
    } catch (e) {
      throw new DocsError("ERR_KERNEL_NOT_FOUND", `kernel "${name}": ${file} is not JSON (${(e as Error).message})`);
    }
    const problem = kernelJsonProblem(spec);
    if (problem) throw new DocsError("ERR_KERNEL_NOT_FOUND", `kernel "${name}": ${file}: ${problem}`);
    return kernelspecProfile(name, folder, raw, spec as KernelJson, env);
  }
  throw new DocsError(
    "ERR_KERNEL_NOT_FOUND",
    `kernel "${name}" not found: not built in (${Object.keys(BUILT_IN_PROFILES).join(", ")}) and no kernels/${name}/kernel.json in ${searched.join(", ")}`,
  );
}
