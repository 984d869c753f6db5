import assert from "node:assert/strict";
import { TSLAB_NODE_FLAGS } from "../../src/kernel/profiles/tslab-node-flags.js";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DocsError } from "../../src/errors.js";
import { jupyterDataDirs, resolveKernel } from "../../src/kernel/kernelspec.js";

let root: string;
const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  HOME: join(root, "home"),
  PATH: join(root, "venv", "bin"),
  ...extra,
});

async function kernelJson(dataDir: string, name: string, spec: unknown): Promise<void> {
  await mkdir(join(dataDir, "kernels", name), { recursive: true });
  await writeFile(join(dataDir, "kernels", name, "kernel.json"), typeof spec === "string" ? spec : JSON.stringify(spec));
}

describe("kernelspec", () => {
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "kernelspec-"));
    await mkdir(join(root, "venv", "bin"), { recursive: true });
    await writeFile(join(root, "venv", "bin", "python3"), "");
  });
  after(() => rm(root, { recursive: true, force: true }));

  test("folders in jupyter_client's order: JUPYTER_PATH, the user's, the environment of the python3 on PATH, the system's", () => {
    const dirs = jupyterDataDirs(env({ JUPYTER_PATH: `${join(root, "a")}:${join(root, "b")}` }));
    assert.deepEqual(dirs, [
      join(root, "a"),
      join(root, "b"),
      join(root, "home", ".local", "share", "jupyter"),
      join(root, "venv", "share", "jupyter"),
      "/usr/local/share/jupyter",
      "/usr/share/jupyter",
    ]);
    assert.equal(jupyterDataDirs(env({ VIRTUAL_ENV: join(root, "other") }))[1], join(root, "other", "share", "jupyter"));
  });

  test("the first folder holding the kernel wins; names are case-insensitive; argv, env and interrupt_mode are taken", async () => {
    const spec = { argv: ["/bin/k", "-f", "{connection_file}", "{resource_dir}"], display_name: "K", language: "k", env: { K_MODE: "1" }, interrupt_mode: "message" };
    await kernelJson(join(root, "first"), "MyKernel", spec);
    await kernelJson(join(root, "home", ".local", "share", "jupyter"), "mykernel", { ...spec, argv: ["/bin/other"] });
    const profile = await resolveKernel("mykernel", env({ JUPYTER_PATH: join(root, "first") }));
    const folder = join(root, "first", "kernels", "MyKernel");
    // A program that is not this Node takes no Node options: it watches JPY_PARENT_PID itself.
    assert.deepEqual(profile.argv("/tmp/c.json", ["--import", "x"]), ["/bin/k", "-f", "/tmp/c.json", folder]);
    assert.deepEqual(
      { source: profile.source, env: profile.env, interrupt: profile.interruptMode, language: profile.language, ipc: profile.ipcSeparator, paths: profile.rewritesPaths },
      { source: folder, env: { K_MODE: "1" }, interrupt: "message", language: "k", ipc: "-", paths: false },
    );
    // The user's folder comes next when JUPYTER_PATH does not have it.
    assert.deepEqual((await resolveKernel("mykernel", env())).argv("c", []), ["/bin/other"]);
  });

  test("the fingerprint changes with the kernelspec", async () => {
    const dir = join(root, "fp");
    await kernelJson(dir, "fp", { argv: ["/bin/sh", "{connection_file}"] });
    const first = await (await resolveKernel("fp", env({ JUPYTER_PATH: dir }))).fingerprint();
    await kernelJson(dir, "fp", { argv: ["/bin/sh", "{connection_file}"], env: { X: "1" } });
    const second = await (await resolveKernel("fp", env({ JUPYTER_PATH: dir }))).fingerprint();
    assert.notEqual(first.kernelspec, second.kernelspec);
    assert.equal(first.program, second.program);
  });

  test("tslab and jslab are built in, started with this Node from the project's node_modules", async () => {
    const profile = await resolveKernel("jslab", env());
    const argv = profile.argv("/tmp/c.json", ["--import", "watchdog"]);
    assert.equal(argv[0], process.execPath);
    const flags = TSLAB_NODE_FLAGS.length;
    assert.deepEqual(argv.slice(1, 3 + flags), [...TSLAB_NODE_FLAGS, "--import", "watchdog"], "V8 flags, then Node options, right after the binary");
    assert.match(argv[3 + flags]!, /node_modules\/tslab\/bin\/tslab$/);
    assert.deepEqual(argv.slice(4 + flags), ["kernel", "--js", "--config-path", "/tmp/c.json"]);
    assert.equal(profile.source, "built in");
  });

  test("a kernel found nowhere: ERR_KERNEL_NOT_FOUND naming the kernel and every folder searched", async () => {
    const error = await resolveKernel("nope", env({ JUPYTER_PATH: join(root, "a") })).catch((e: unknown) => e);
    assert.ok(error instanceof DocsError);
    assert.equal(error.code, "ERR_KERNEL_NOT_FOUND");
    assert.equal(error.exitStatus, 2);
    assert.match(error.message, /^kernel "nope" not found: not built in \(tslab, jslab\) and no kernels\/nope\/kernel\.json in /);
    for (const dir of jupyterDataDirs(env({ JUPYTER_PATH: join(root, "a") }))) assert.ok(error.message.includes(dir), dir);
  });

  test("a kernel.json that is not JSON, or has no argv, is refused naming the file", async () => {
    const dir = join(root, "bad");
    await kernelJson(dir, "broken", "{ not json");
    await kernelJson(dir, "noargv", { display_name: "x" });
    await assert.rejects(resolveKernel("broken", env({ JUPYTER_PATH: dir })), (e: DocsError) => e.code === "ERR_KERNEL_NOT_FOUND" && e.message.includes(join(dir, "kernels", "broken", "kernel.json")) && /is not JSON/.test(e.message));
    await assert.rejects(resolveKernel("noargv", env({ JUPYTER_PATH: dir })), /"argv" is not a list of strings/);
  });
});
