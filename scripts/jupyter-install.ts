#!/usr/bin/env node
// Registers the project's tslab with Jupyter (kernelspecs "tslab" and "jslab"), so the notebooks
// rerun in Jupyter with the versions of the lock file. `tslab install` runs a Python that must
// have Jupyter (jupyter_client and IPython); the `python3` first on PATH often has not (a pyenv
// shim, a virtual environment), so this finds one that has: $JUPYTER_PYTHON, the Python of the
// `jupyter` command on PATH (its #! line), python3, /usr/bin/python3, python.
// Arguments go to `tslab install`: `npm run jupyter:install -- --prefix DIR`; default --user.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { delimiter, join } from "node:path";
import { findProject } from "../src/project.js";

/** The interpreter a script's `#!` line names (`#!/usr/bin/env python3` gives python3). */
function interpreterOf(script: string): string | undefined {
  const buffer = Buffer.alloc(256);
  let fd: number | undefined;
  try {
    fd = openSync(script, "r");
    const line = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString("utf8").split("\n")[0]!;
    if (!line.startsWith("#!")) return undefined;
    const words = line.slice(2).trim().split(/\s+/);
    return words[0]?.endsWith("/env") ? words.find((w, i) => i > 0 && !w.startsWith("-")) : words[0];
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, command);
    if (dir && existsSync(path)) return path;
  }
  return undefined;
}

function candidates(): string[] {
  const jupyter = onPath("jupyter");
  const list = [process.env.JUPYTER_PYTHON, jupyter && interpreterOf(jupyter), "python3", "/usr/bin/python3", "python"];
  return [...new Set(list.filter((c): c is string => typeof c === "string" && c !== ""))];
}

const hasJupyter = (python: string): boolean => spawnSync(python, ["-c", "import jupyter_client, IPython"], { stdio: "ignore" }).status === 0;

const tried = candidates();
const python = tried.find(hasJupyter);
if (!python) {
  process.stderr.write(
    `jupyter:install: no Python with Jupyter found (tried ${tried.join(", ")}).\n` +
      "Install Jupyter (Debian: apt-get install jupyter-notebook; else pip install notebook) or set JUPYTER_PYTHON to a Python that has it.\n",
  );
  process.exit(1);
}
const root = findProject(process.cwd()).root;
const args = process.argv.slice(2);
const tslab = join(root, "node_modules", "tslab", "bin", "tslab");
const install = spawnSync(process.execPath, [tslab, "install", "--python", python, "--binary", join(root, "node_modules", ".bin", "tslab"), ...(args.length > 0 ? args : ["--user"])], { stdio: "inherit" });
if (install.status === 0) process.stdout.write(`jupyter:install: the project's tslab is registered, with ${python}'s Jupyter\n`);
process.exit(install.status ?? 1);
