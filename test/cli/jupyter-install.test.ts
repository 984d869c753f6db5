import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { python } from "../support/nbconvert.js";
import { projectRoot } from "../support/root.js";
import { commandWorks, prerequisite } from "../support/require.js";

const run = promisify(execFile);

test("npm run jupyter:install registers the project's tslab with a Python that has Jupyter, past a python3 on PATH that has none", async (t) => {
  if (!prerequisite(t, commandWorks(python, ["-c", "import jupyter_client, IPython"]), "Debian's python3 with jupyter_client and IPython not installed")) return;
  const dir = await mkdtemp(join(tmpdir(), "jupyter-install-"));
  try {
    // A python3 first on PATH without Jupyter, as a pyenv shim is.
    const bin = join(dir, "bin");
    await run("mkdir", [bin]);
    await writeFile(join(bin, "python3"), "#!/bin/sh\necho 'No module named jupyter_client' >&2\nexit 1\n");
    await chmod(join(bin, "python3"), 0o755);
    const prefix = join(dir, "prefix");
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, JUPYTER_PYTHON: "" };
    const { stdout } = await run(process.execPath, [join(projectRoot, "dist", "scripts", "jupyter-install.js"), "--prefix", prefix], { cwd: projectRoot, env });
    assert.match(stdout, /the project's tslab is registered, with .*python3's Jupyter/);
    assert.doesNotMatch(stdout, new RegExp(`with ${bin}`));
    const spec = JSON.parse(await readFile(join(prefix, "share", "jupyter", "kernels", "tslab", "kernel.json"), "utf8")) as { argv: string[] };
    assert.deepEqual(spec.argv, [join(projectRoot, "node_modules", ".bin", "tslab"), "kernel", "--config-path", "{connection_file}"]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
