import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, isAbsolute, join } from "node:path";
import { NAMESPACE_ARGS } from "./mounts.js";

export type Probe = { ok: true; bwrap: string } | { ok: false; reason: string };

/** The bubblewrap program: DOCS_SANDBOX_BWRAP (tests name a missing or failing one), else `bwrap` on PATH. */
export function bwrapProgram(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const name = env.DOCS_SANDBOX_BWRAP || "bwrap";
  if (isAbsolute(name)) return existsSync(name) ? name : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const probes = new Map<string, Promise<Probe>>();

/**
 * Whether a sandbox starts here: bubblewrap is tried once with the namespaces every kernel gets
 * (user namespaces may be off, as in Docker's default seccomp profile), and the answer is kept
 * for the rest of the process. A few milliseconds, paid only by a build that starts a kernel.
 */
export function probeSandbox(env: Readonly<Record<string, string | undefined>> = process.env): Promise<Probe> {
  const bwrap = bwrapProgram(env);
  if (!bwrap) return Promise.resolve({ ok: false, reason: `bubblewrap not found (${env.DOCS_SANDBOX_BWRAP || "bwrap"} on PATH; apt-get install bubblewrap)` });
  let probe = probes.get(bwrap);
  if (!probe) {
    probe = new Promise<Probe>((resolve) => {
      const child = spawn(bwrap, [...NAMESPACE_ARGS, "--ro-bind", "/", "/", "--proc", "/proc", "--", "/bin/sh", "-c", ":"], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(0, 2000)));
      child.once("error", (e) => resolve({ ok: false, reason: `${bwrap}: ${e.message}` }));
      child.once("close", (code, signal) => {
        if (code === 0) resolve({ ok: true, bwrap });
        else resolve({ ok: false, reason: stderr.trim().split("\n")[0] || `${bwrap} ended with ${signal ?? `exit code ${code}`}` });
      });
    });
    probes.set(bwrap, probe);
  }
  return probe;
}
