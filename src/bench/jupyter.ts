// The reference point: real Jupyter running the same notebooks with the tslab
// kernel. Uses a tslab kernelspec JUPYTER_PATH already provides, or registers
// the project's own tslab into a temporary prefix (never into the user's Jupyter).
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";

export const systemNbconvert = "/usr/bin/jupyter-nbconvert";
const systemPython = "/usr/bin/python3";

export type JupyterSetup =
  | { ok: true; nbconvert: string; env: NodeJS.ProcessEnv; kernelspec: string }
  | { ok: false; reason: string };

function kernelspecIn(jupyterPath: string | undefined): string | undefined {
  for (const dir of (jupyterPath ?? "").split(delimiter).filter((d) => d !== "")) {
    const spec = join(dir, "kernels", "tslab", "kernel.json");
    if (existsSync(spec)) return spec;
  }
  return undefined;
}

function nbconvertCommand(): string | undefined {
  const candidates = [systemNbconvert, ...(process.env.PATH ?? "").split(delimiter).map((d) => join(d, "jupyter-nbconvert"))];
  return candidates.find((c) => existsSync(c) && spawnSync(c, ["--version"], { stdio: "ignore" }).status === 0);
}

/**
 * Finds nbconvert and a tslab kernelspec; `prefix` is an empty folder to register
 * the project's tslab in when JUPYTER_PATH has none.
 */
export function setUpJupyter(root: string, prefix: string, env: NodeJS.ProcessEnv): JupyterSetup {
  const nbconvert = nbconvertCommand();
  if (!nbconvert) return { ok: false, reason: "nbconvert: not installed, skipped" };
  const given = kernelspecIn(env.JUPYTER_PATH);
  if (given) return { ok: true, nbconvert, env, kernelspec: given };
  if (!existsSync(systemNbconvert)) return { ok: false, reason: "nbconvert: not installed, skipped" };

  const tslab = realpathSync(join(root, "node_modules", ".bin", "tslab"));
  const install = spawnSync(join(root, "node_modules", ".bin", "tslab"), ["install", "--python", systemPython, "--binary", tslab, "--prefix", prefix], {
    env,
    encoding: "utf8",
  });
  const jupyterDir = join(prefix, "share", "jupyter");
  const spec = kernelspecIn(jupyterDir);
  if (install.status !== 0 || !spec) {
    return { ok: false, reason: `nbconvert: registering tslab failed, skipped (${(install.stderr || install.stdout || "").trim().split("\n").pop()})` };
  }
  const jupyterPath = [jupyterDir, env.JUPYTER_PATH].filter((p): p is string => Boolean(p)).join(delimiter);
  return { ok: true, nbconvert, env: { ...env, JUPYTER_PATH: jupyterPath }, kernelspec: spec };
}
