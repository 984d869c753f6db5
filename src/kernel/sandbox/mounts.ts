import { dirname, relative, isAbsolute, sep } from "node:path";

/**
 * What a sandboxed kernel sees of the file system, as bubblewrap arguments. Pure: the paths are
 * found elsewhere (plan.ts); here they become mounts, in an order where none hides another.
 */
export interface MountPlan {
  /** Top-level system folders bound read-only at their place (/usr, /etc). */
  system: readonly string[];
  /** Top-level names that are links on the host (/bin → usr/bin), recreated as links. */
  links: ReadonlyArray<{ path: string; target: string }>;
  /** Folders made empty, private and writable: /tmp, $HOME. */
  scratch: readonly string[];
  /** Files and folders bound read-only at their own path: the project, the kernel's install, keys. */
  readOnly: readonly string[];
  /** Inside those, hidden: a folder becomes empty and read-only, a file unreadable (.git). */
  hidden: ReadonlyArray<{ path: string; kind: "dir" | "file" }>;
  /** The one place the kernel and the build share, writable: the kernel's connection folder. */
  shared: string;
  /** The kernel's working directory. */
  cwd: string;
}

/** The namespaces of every sandbox: its own processes, network (a loopback only), IPC, host name. */
export const NAMESPACE_ARGS: readonly string[] = [
  "--unshare-pid",
  "--unshare-net",
  "--unshare-ipc",
  "--unshare-uts",
  "--unshare-cgroup-try",
  "--die-with-parent",
  "--cap-drop",
  "ALL",
];

/** Whether `path` is `dir` or inside it. */
export function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

const depth = (path: string): number => path.split(sep).filter(Boolean).length;

/** Paths without duplicates, shallowest first: a mount never covers one made for a path inside it. */
export function byDepth(paths: readonly string[]): string[] {
  return [...new Set(paths)].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

/**
 * bubblewrap's arguments for a plan. Order matters, as each mount covers what is below it: the
 * system, then the scratch folders, then the read-only binds shallowest first (the project may
 * lie inside /tmp or $HOME), then what is hidden inside them, and last the shared folder.
 */
export function mountArguments(plan: MountPlan): string[] {
  const args: string[] = [...NAMESPACE_ARGS];
  for (const dir of plan.system) args.push("--ro-bind", dir, dir);
  for (const link of plan.links) args.push("--symlink", link.target, link.path);
  args.push("--proc", "/proc", "--dev", "/dev");
  // $HOME inside /tmp is made after /tmp, so that it exists there.
  for (const dir of byDepth(plan.scratch)) args.push("--tmpfs", dir);
  const system = (p: string): boolean => plan.system.some((s) => within(p, s));
  // Nested binds are kept (a link's target inside a bound folder is the same file), but in
  // depth order, so a deeper bind is never covered by a shallower one.
  const binds = byDepth(plan.readOnly.filter((p) => !system(p)));
  for (const path of binds) args.push("--ro-bind", path, path);
  for (const h of plan.hidden) {
    if (h.kind === "dir") args.push("--tmpfs", h.path, "--remount-ro", h.path);
    else args.push("--ro-bind", "/dev/null", h.path);
  }
  args.push("--bind", plan.shared, plan.shared);
  args.push("--chdir", plan.cwd);
  return args;
}

/** The folder above `bin/` of a program: where an install (Node's, a virtual environment's) keeps its files. */
export function installPrefix(program: string): string {
  return dirname(dirname(program));
}
