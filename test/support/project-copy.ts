import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { copyFile, cp, link, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "./root.js";

const execFileAsync = promisify(execFile);

export { projectRoot };
export const buildScript = join(projectRoot, "dist", "scripts", "build-docs.js");

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Highest resident memory of the build process seen while it ran, in bytes. */
  peakRss: number;
}

/**
 * Copies with warm kernels are made at fixed paths shared by every test file of one run, because
 * a snapshot is made for one folder's path: the first copy at a slot makes it (5 s of CPU), and
 * every later copy made there, by any test file, starts its kernels from the same snapshot, linked
 * into its .cache/. A slot is held by one copy at a time (an exclusive claim file naming its
 * process); a detached shell removes the run's folder once the test runner has exited.
 */
const runId = String(process.ppid);
const runDir = join(tmpdir(), `docs-test-warm-${runId}`);
const slotDir = (slot: number): string => join(runDir, `slot-${slot}`);
const storeOf = (dir: string): string => `${dir}.snapshot`;
const claimOf = (dir: string): string => `${dir}.claim`;
const heldSlots = new Set<number>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The run's folder, made once; the first process to make it starts the shell that removes it. */
function ensureRunDir(): void {
  try {
    mkdirSync(runDir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return;
    throw e;
  }
  // Runs that ended without their sweeper (killed with it) leave folders whose runner is gone.
  for (const name of readdirSync(tmpdir())) {
    const pid = /^docs-test-warm-(\d+)$/.exec(name)?.[1];
    if (pid && pid !== runId && !alive(Number(pid))) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
  const sweeper = spawn("sh", ["-c", 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; rm -rf "$2"', "docs-test-sweeper", runId, runDir], { cwd: "/", detached: true, stdio: "ignore" });
  sweeper.unref();
}

/** Claims the first free slot: a claim file made exclusively, taken over when its process is gone. */
function claimSlot(): number {
  ensureRunDir();
  if (heldSlots.size === 0) process.removeListener("exit", releaseAll).once("exit", releaseAll);
  for (let slot = 0; ; slot++) {
    const claim = claimOf(slotDir(slot));
    try {
      writeFileSync(claim, String(process.pid), { flag: "wx" });
      heldSlots.add(slot);
      return slot;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      // An empty claim is one being written: held.
      const owner = Number(readFileSync(claim, "utf8"));
      if (!owner || alive(owner)) continue;
      rmSync(claim, { force: true });
      slot--;
    }
  }
}

function releaseSlot(slot: number): void {
  rmSync(slotDir(slot), { recursive: true, force: true });
  rmSync(claimOf(slotDir(slot)), { force: true });
  heldSlots.delete(slot);
}

function releaseAll(): void {
  for (const slot of heldSlots) releaseSlot(slot);
}

async function warmUp(dir: string): Promise<void> {
  const cache = join(dir, ".cache", "warm-kernel");
  const store = storeOf(dir);
  if (existsSync(store)) {
    await mkdir(cache, { recursive: true });
    for (const name of await readdir(store)) await link(join(store, name), join(cache, name));
    return;
  }
  const made = await execFileAsync(process.execPath, [join(projectRoot, "dist", "scripts", "warm-kernel.js")], { cwd: dir });
  if (!/ made in /.test(made.stdout)) throw new Error(`no warm-kernel snapshot for the copy: ${made.stdout}${made.stderr}`);
  // A store half made by a process that died is made again.
  await rm(`${store}.tmp`, { recursive: true, force: true });
  await mkdir(`${store}.tmp`);
  for (const name of await readdir(cache)) await link(join(cache, name), join(`${store}.tmp`, name));
  await rename(`${store}.tmp`, store);
}

/** A throw-away copy of the project: its notebooks, keys, docs; node_modules shared by a link. */
export class ProjectCopy {
  private constructor(readonly dir: string, readonly tmp: string, private readonly slot?: number, private readonly script = buildScript) {}

  /**
   * `warm`: kernels in its notebooks/ start from a warm-kernel snapshot, as in a checkout after
   * `npm ci`. The copy is made at one of the run's fixed paths (see claimSlot). `ownBuild`: the
   * copy runs a copy of the compiled build (`dist/src`, `dist/scripts`), for a test whose notebooks
   * rewrite the build's files.
   */
  static async create(options: { notebooks?: boolean; warm?: boolean; ownBuild?: boolean } = {}): Promise<ProjectCopy> {
    let slot: number | undefined;
    let dir: string;
    if (options.warm) {
      slot = claimSlot();
      dir = slotDir(slot);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir);
    } else {
      dir = await mkdtemp(join(tmpdir(), "project-copy-"));
    }
    const tmp = join(dir, ".tmp");
    await mkdir(tmp);
    await cp(join(projectRoot, "package.json"), join(dir, "package.json"));
    for (const sub of ["keys", "docs", ...(options.notebooks === false ? [] : ["notebooks"])]) {
      await cp(join(projectRoot, sub), join(dir, sub), { recursive: true }).catch(() => undefined);
    }
    // Without their notebooks the pages are no build's own: their manifest would make them orphans.
    if (options.notebooks === false) await rm(join(dir, "docs", ".docs-manifest.json"), { force: true });
    await mkdir(join(dir, "notebooks"), { recursive: true });
    await mkdir(join(dir, "docs"), { recursive: true });
    await symlink(join(projectRoot, "node_modules"), join(dir, "node_modules"));
    if (options.warm) await warmUp(dir);
    if (options.ownBuild) {
      for (const sub of ["src", "scripts"]) await cp(join(projectRoot, "dist", sub), join(dir, "dist", sub), { recursive: true });
      return new ProjectCopy(dir, tmp, slot, join(dir, "dist", "scripts", "build-docs.js"));
    }
    return new ProjectCopy(dir, tmp, slot);
  }

  /**
   * Replaces the links to the run's snapshot in .cache/warm-kernel by copies of this copy's own,
   * for a test that changes them: written through a link, a change would reach every later copy.
   */
  async ownWarmKernel(): Promise<void> {
    const cache = this.path(".cache", "warm-kernel");
    for (const name of await readdir(cache)) {
      await copyFile(join(cache, name), join(cache, `${name}.own`));
      await rename(join(cache, `${name}.own`), join(cache, name));
    }
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  read(...parts: string[]): Promise<string> {
    return readFile(this.path(...parts), "utf8");
  }

  async write(rel: string, content: string): Promise<void> {
    await mkdir(dirname(this.path(rel)), { recursive: true });
    await writeFile(this.path(rel), content);
  }

  /**
   * Runs the compiled build in the copy, with TMPDIR inside it so that leftovers are visible.
   * `onStart` gets the child, e.g. to signal it.
   */
  run(args: string[], options: { onStart?: (pid: number) => void; env?: Record<string, string> } = {}): Promise<RunResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [this.script, ...args], {
        cwd: this.dir,
        // A copy without a snapshot stays cold, as before builds made missing snapshots: a
        // snapshot for each throw-away copy would cost 5 s of CPU for nothing.
        env: { ...process.env, TMPDIR: this.tmp, CI: "", ...(this.slot === undefined ? { DOCS_WARM_KERNEL: "0" } : {}), ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      let peakRss = 0;
      child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
      const poll = setInterval(async () => {
        const status = await readFile(`/proc/${child.pid}/status`, "utf8").catch(() => "");
        const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        if (kb) peakRss = Math.max(peakRss, Number(kb) * 1024);
      }, 50);
      if (child.pid !== undefined) options.onStart?.(child.pid);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearInterval(poll);
        resolvePromise({ code, signal, stdout, stderr, peakRss });
      });
    });
  }

  /** Files left in the copy's TMPDIR: connection files, sockets, temporary writes. */
  async tmpLeftovers(): Promise<string[]> {
    return readdir(this.tmp);
  }

  async dispose(): Promise<void> {
    if (this.slot !== undefined) releaseSlot(this.slot);
    else await rm(this.dir, { recursive: true, force: true });
  }
}

/** Processes whose working directory lies in `dir`: kernels that outlived their build. */
export async function processesIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd === dir || cwd.startsWith(dir + "/")) found.push(Number(entry));
  }
  return found;
}

/**
 * A mark a cell leaves for a test that waits for it (a cell started, a loop began): a file the
 * cell writes into its /tmp (`mark.path`). A sandboxed kernel's /tmp is its own, and the project
 * is read-only to it, so the test reads the mark through /proc/<pid>/root of the copy's processes
 * while the kernel lives. The name is unique: an unconfined kernel's /tmp is the machine's.
 */
export class KernelMark {
  readonly path: string;
  /** What the mark held when the watch saw it; undefined until then. */
  content: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(name: string) {
    this.path = `/tmp/docs-test-mark-${process.pid}-${Math.random().toString(36).slice(2, 10)}-${name}`;
  }

  /** The mark's content as the first of the copy's processes that has it sees it, or undefined. */
  async read(dir: string): Promise<string | undefined> {
    for (const pid of await processesIn(dir)) {
      const content = await readFile(`/proc/${pid}/root${this.path}`, "utf8").catch(() => undefined);
      if (content !== undefined) return content;
    }
    return undefined;
  }

  /** Looks for the mark every 20 ms until it is seen (then `content` holds it). */
  watch(dir: string): void {
    const look = async (): Promise<void> => {
      const content = await this.read(dir);
      if (this.stopped) return;
      if (content === undefined) this.timer = setTimeout(look, 20);
      else this.content = content;
    };
    this.timer = setTimeout(look, 20);
  }

  /** Stops watching, and removes the mark an unconfined kernel left in the machine's /tmp. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    rmSync(this.path, { force: true });
  }
}

/** Every file under `dir` with its content, to prove a failed build changed nothing. */
export async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    files.set(path, (await readFile(path)).toString("base64"));
  }
  return files;
}

/** A TypeScript notebook for the tslab kernel made of the given code cells. */
export function notebookJson(cells: (string | { source: string; tags?: string[] })[], metadata: Record<string, unknown> = {}): string {
  return JSON.stringify({
    cells: cells.map((c, i) => {
      const cell = typeof c === "string" ? { source: c } : c;
      return {
        cell_type: "code",
        execution_count: null,
        id: `cell-${i}`,
        metadata: cell.tags ? { tags: cell.tags } : {},
        outputs: [],
        source: cell.source,
      };
    }),
    metadata: { kernelspec: { display_name: "TypeScript", language: "typescript", name: "tslab" }, ...metadata },
    nbformat: 4,
    nbformat_minor: 5,
  }, null, 1) + "\n";
}
