import { lstatSync, readdirSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { within, type MountPlan } from "./mounts.js";

/** What the system provides every kernel, read-only: programs, libraries, configuration. */
const SYSTEM_DIRS = ["/usr", "/etc"];
/** Top-level names that a merged-/usr system has as links (/bin → usr/bin), others as folders. */
const SYSTEM_NAMES = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"];

let systemLayout: Pick<MountPlan, "system" | "links"> | undefined;

/** The host's system folders and links, once a process. */
function system(): Pick<MountPlan, "system" | "links"> {
  if (systemLayout) return systemLayout;
  const dirs = SYSTEM_DIRS.filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory());
  const links: { path: string; target: string }[] = [];
  for (const name of SYSTEM_NAMES) {
    const path = `/${name}`;
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) links.push({ path, target: readlinkSync(path) });
    else if (st?.isDirectory()) dirs.push(path);
  }
  return (systemLayout = { system: dirs, links });
}

/** `path` with its links resolved, or undefined when it does not exist. */
function real(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The targets of the project's top-level links (a node_modules linked from elsewhere, say). */
function linkedFromProject(root: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(root, name);
    if (!lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) continue;
    const target = real(path);
    if (target && !within(target, root)) out.push(target);
  }
  return out;
}

export interface PlanInput {
  projectRoot: string;
  /** Files and folders outside the project the kernel may read: its install, keys, parameters' files. */
  readOnly: readonly string[];
  cwd: string;
  /** The kernel's connection folder, shared with the build. */
  connectionDir: string;
  /** The build's $HOME, hidden behind an empty folder. */
  home: string | undefined;
}

/**
 * The file system of one sandboxed kernel: the system read-only, /tmp and $HOME empty and
 * private, the project read-only with its .git hidden, the paths given read-only where they
 * exist, and the connection folder writable. A path given that holds the project or $HOME, or
 * is `/`, is not bound: it would show what the sandbox hides.
 */
export function mountPlan(input: PlanInput): MountPlan {
  const root = real(input.projectRoot) ?? resolve(input.projectRoot);
  const home = input.home && input.home !== "/" ? resolve(input.home) : undefined;
  const scratch = ["/tmp", ...(home ? [home] : [])];
  const candidates = [...input.readOnly, ...linkedFromProject(root), input.cwd];
  const readOnly = [root];
  for (const given of candidates) {
    const path = real(given);
    if (!path || path === "/") continue;
    if (within(root, path) && path !== root) continue;
    if (home && within(home, path)) continue;
    if (within(path, root)) continue;
    readOnly.push(path);
  }
  const git = join(root, ".git");
  const gitStat = lstatSync(git, { throwIfNoEntry: false });
  const hidden: MountPlan["hidden"] = gitStat ? [{ path: git, kind: gitStat.isDirectory() ? "dir" : "file" }] : [];
  return { ...system(), scratch, readOnly, hidden, shared: input.connectionDir, cwd: input.cwd };
}
