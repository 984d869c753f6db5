import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, delimiter, dirname, join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import { projectRoot } from "./project-copy.js";
import { hasNbconvert, prerequisite } from "./require.js";

const run = promisify(execFile);

export const nbconvert = "/usr/bin/jupyter-nbconvert";
const kernelspec = "/usr/bin/jupyter-kernelspec";
const python = "/usr/bin/python3";
/** The tslab this project depends on: the kernel Jupyter must start, not some other install. */
export const projectTslab = join(projectRoot, "node_modules", ".bin", "tslab");

/** The binary Jupyter would start for the `tslab` kernel under this environment, if any. */
async function resolvedTslab(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const { stdout } = await run(kernelspec, ["list", "--json"], { env, maxBuffer: 16 << 20 });
  const specs = (JSON.parse(stdout) as { kernelspecs: Record<string, { spec: { argv: string[] } }> }).kernelspecs;
  const binary = specs.tslab?.spec.argv[0];
  if (binary === undefined) return undefined;
  try {
    return realpathSync(binary);
  } catch {
    return undefined;
  }
}

/** Registers the project's tslab into a scratch prefix ahead of JUPYTER_PATH. */
async function registerTslab(): Promise<NodeJS.ProcessEnv> {
  const prefix = mkdtempSync(join(tmpdir(), "tslab-kernel-"));
  process.once("exit", () => rmSync(prefix, { recursive: true, force: true }));
  await run(projectTslab, ["install", "--python", python, "--binary", projectTslab, "--prefix", prefix]);
  const inherited = process.env.JUPYTER_PATH;
  const path = join(prefix, "share", "jupyter") + (inherited ? delimiter + inherited : "");
  return { ...process.env, JUPYTER_PATH: path };
}

let kernelEnv: Promise<NodeJS.ProcessEnv> | undefined;

/**
 * An environment in which real Jupyter starts this project's tslab for the `tslab` kernel:
 * the caller's own when its JUPYTER_PATH already provides that (CI registers it), otherwise
 * one with the kernel registered in a scratch prefix. Undefined when the test was skipped
 * because Jupyter is not installed (under CI=true that throws instead).
 */
export async function tslabKernelEnv(t: TestContext): Promise<NodeJS.ProcessEnv | undefined> {
  const installed = hasNbconvert() && existsSync(nbconvert) && existsSync(kernelspec);
  if (!prerequisite(t, installed, `Jupyter not installed (${nbconvert}, ${kernelspec})`)) return undefined;
  kernelEnv ??= (async () => {
    const wanted = realpathSync(projectTslab);
    if ((await resolvedTslab(process.env)) === wanted) return process.env;
    const env = await registerTslab();
    const found = await resolvedTslab(env);
    if (found !== wanted) {
      throw new Error(`Jupyter resolves the tslab kernel to ${found ?? "nothing"}, not ${wanted}, even after registering it`);
    }
    return env;
  })();
  return kernelEnv;
}

/**
 * `jupyter nbconvert --execute --to notebook` on notebooks of one folder, one after another in
 * one nbconvert process, written to outDir under the same file names; returns those paths.
 * nbconvert runs each kernel in the notebook's own folder, so relative paths in cells mean what
 * they mean next to the notebook.
 */
export async function jupyterExecute(notebookPaths: string | string[], outDir: string, env: NodeJS.ProcessEnv, timeoutSeconds = 120): Promise<string[]> {
  const inputs = [notebookPaths].flat().map((p) => resolve(p));
  const folders = new Set(inputs.map((p) => dirname(p)));
  if (folders.size !== 1) throw new Error(`jupyterExecute takes notebooks of one folder, not ${[...folders].join(", ")}`);
  await mkdir(outDir, { recursive: true });
  const args = ["--execute", "--to", "notebook", `--ExecutePreprocessor.timeout=${timeoutSeconds}`, "--output-dir", resolve(outDir), ...inputs];
  try {
    await run(nbconvert, args, { cwd: [...folders][0], env, maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new Error(`jupyter nbconvert --execute failed on ${inputs.join(", ")}:\n${err.stderr ?? err.message}`);
  }
  return inputs.map((p) => join(resolve(outDir), basename(p)));
}
