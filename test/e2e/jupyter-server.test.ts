import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { decodeProtectedHeader } from "jose";
import { python } from "../support/nbconvert.js";
import { ProjectCopy, projectRoot } from "../support/project-copy.js";
import { commandWorks, prerequisite } from "../support/require.js";

// The README's way to rerun the notebooks in Jupyter, followed: the project's tslab registered
// with `npm run jupyter:install`, `jupyter notebook --allow-root --no-browser` on 127.0.0.1 in
// notebooks/, Run All and save as the page does it (test/support/jupyter-run-all.ts); the saved
// notebooks are the committed ones but for ES384 signatures.
const run = promisify(execFile);
const ready = commandWorks("jupyter-notebook", ["--version"]) && commandWorks(python, ["-c", "import jupyter_client, IPython"]);
const NOTEBOOKS = ["worked_example_id_token.ipynb", "authorization-example-jwks-and-signatures.ipynb"];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let copy: ProjectCopy | undefined;
let server: ChildProcess | undefined;
let base = "";
const token = randomBytes(16).toString("hex");

before(async () => {
  if (!ready) return;
  copy = await ProjectCopy.create();
  const prefix = copy.path(".jupyter-prefix");
  await run(process.execPath, [join(projectRoot, "dist", "scripts", "jupyter-install.js"), "--prefix", prefix], { cwd: projectRoot });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), JUPYTER_RUNTIME_DIR: copy.path(".jupyter-runtime"), JUPYTER_CONFIG_DIR: copy.path(".jupyter-config"), JUPYTER_DATA_DIR: copy.path(".jupyter-data") };
  server = spawn("jupyter", ["notebook", "--allow-root", "--no-browser", "--ip", "127.0.0.1", "--port", String(port), "--port-retries", "0", `--NotebookApp.token=${token}`], { cwd: copy.path("notebooks"), env, stdio: "ignore", detached: true });
  for (let i = 0; i < 150; i++) {
    const up = await fetch(`${base}/api/status?token=${token}`).then((r) => r.ok, () => false);
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("jupyter notebook did not answer within 30 s");
});
after(async () => {
  if (server?.pid) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      // Gone already.
    }
  }
  await copy?.dispose();
});

test("Run All and save in Jupyter gives back the committed notebooks, but for new ES384 signatures", { timeout: 300_000 }, async (t) => {
  if (!prerequisite(t, ready, "jupyter-notebook or Debian's python3 with jupyter_client not installed")) return;
  const c = copy!;
  const specs = (await (await fetch(`${base}/api/kernelspecs?token=${token}`)).json()) as { kernelspecs: Record<string, { spec: { argv: string[] } }> };
  assert.equal(specs.kernelspecs.tslab?.spec.argv[0], join(projectRoot, "node_modules", ".bin", "tslab"));
  const { stdout } = await run(process.execPath, ["--experimental-websocket", "--no-warnings", join(projectRoot, "dist", "test", "support", "jupyter-run-all.js"), base, token, ...NOTEBOOKS], { cwd: c.dir, maxBuffer: 16 << 20 });
  const results = stdout.trim().split("\n").map((l) => JSON.parse(l) as { path: string; failed: string | null });
  assert.deepEqual(results, NOTEBOOKS.map((path) => ({ path, failed: null })));
  let es384 = 0;
  for (const name of NOTEBOOKS) {
    const committed = (await readFile(join(projectRoot, "notebooks", name), "utf8")).split("\n");
    const saved = (await c.read("notebooks", name)).split("\n");
    assert.equal(saved.length, committed.length, name);
    for (const [i, line] of saved.entries()) {
      if (line === committed[i]) continue;
      // A line that differs is one JWT, in the same place: its header says ES384.
      const jwt = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.exec(line)?.[0];
      assert.ok(jwt, `${name}:${i + 1}: ${line}`);
      assert.equal(decodeProtectedHeader(jwt).alg, "ES384", `${name}:${i + 1}`);
      const unsigned = (l: string): string => l.replace(/(eyJ[\w-]+\.eyJ[\w-]+)\.[\w-]+/, "$1");
      assert.equal(unsigned(line), unsigned(committed[i]!), `${name}:${i + 1}: only the signature differs`);
      es384++;
    }
  }
  assert.ok(es384 > 0, "the JWKS page's ES384 token was signed anew");
  assert.ok(existsSync(c.path("notebooks", ".ipynb_checkpoints")), "Jupyter keeps checkpoints, which .gitignore names");
  assert.match(await readFile(join(projectRoot, ".gitignore"), "utf8"), /^\.ipynb_checkpoints\/$/m);
});
