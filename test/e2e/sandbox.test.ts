import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { probeSandbox } from "../../src/kernel/sandbox/probe.js";
import { ProjectCopy, notebookJson, snapshot, type RunResult } from "../support/project-copy.js";
import { commandWorks, inCi } from "../support/require.js";

// Hostile notebooks, one per kernel (tslab, warm, and Debian's ipykernel), built once in the
// sandbox: every write outside /tmp and the kernel's folder fails, .git and $HOME are empty, a
// secret of the build's environment does not reach the page, the host's network is out of reach
// while the kernel's own loopback works, and no process it starts outlives the build.

const TOKEN = "ghp_sandboxTestSecret0123456789abcdef";
const python = "/usr/bin/python3";
const hasPython = commandWorks(python, ["-c", "import ipykernel"]);
const sandboxHere = (await probeSandbox()).ok;
const run = String(process.pid);

/** Files the notebooks try to create (relative to notebooks/), and existing ones they try to change or delete. */
const NEW_FILES = ["../dist/planted.js", "../node_modules/.planted-" + run, "../keys/planted.json", "planted.ipynb", "../.cache/planted", "../docs/planted.md", "../planted.txt", "../.git/hooks-planted"];
const EXISTING = ["../dist/build.js", "../keys/RS384.public.json", "other.ipynb", "../package.json", "../.git/config"];

function tslabHostile(port: number): string[] {
  return [
    [
      'import * as fs from "fs";',
      'import * as net from "net";',
      "const report: Record<string, string> = {};",
      "const attempt = (name: string, f: () => unknown): void => { try { f(); report[name] = \"ok\"; } catch (e) { report[name] = String((e as { code?: string }).code ?? e); } };",
      `for (const p of ${JSON.stringify(NEW_FILES)}) attempt("create " + p, () => fs.writeFileSync(p, "planted"));`,
      `for (const p of ${JSON.stringify(EXISTING)}) { attempt("append " + p, () => fs.appendFileSync(p, "planted")); attempt("delete " + p, () => fs.unlinkSync(p)); }`,
      'attempt("own notebook", () => fs.appendFileSync("hostile.ipynb", " "));',
      'attempt("mkdir ../dist/sub", () => fs.mkdirSync("../dist/sub"));',
      `attempt("/tmp", () => fs.writeFileSync("/tmp/sandbox-probe-${run}", "x"));`,
      "const seen = { token: process.env.GITHUB_TOKEN ?? \"absent\", git: fs.readdirSync(\"../.git\"), home: fs.readdirSync(process.env.HOME ?? \"/nonexistent\"), pid: process.pid, env: Object.keys(process.env).sort() };",
      // The host's port is refused (a network of its own); a server on the kernel's loopback answers.
      `const hostPort = await new Promise<string>((resolve) => { const s = net.connect(${port}, "127.0.0.1", () => { s.destroy(); resolve("connected"); }); s.on("error", (e: NodeJS.ErrnoException) => resolve(String(e.code))); });`,
      'const server = net.createServer((s) => s.end("pong"));',
      'await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));',
      "const own = await new Promise<string>((resolve) => { let got = \"\"; const s = net.connect((server.address() as net.AddressInfo).port, \"127.0.0.1\"); s.on(\"data\", (d) => (got += d)); s.on(\"end\", () => resolve(got)); s.on(\"error\", (e) => resolve(String(e))); });",
      "server.close();",
      'console.log("REPORT " + JSON.stringify({ report, seen, hostPort, own }));',
    ].join("\n"),
    [
      'import { spawn } from "child_process";',
      'spawn("sleep", ["7431"], { stdio: "ignore" }).unref();',
      'spawn("sleep", ["7432"], { stdio: "ignore", detached: true }).unref();',
      // A double fork: the shell exits at once, its children are orphans; one also left the session.
      'spawn("sh", ["-c", "setsid sleep 7433 & sleep 7434 &"], { stdio: "ignore" }).unref();',
      'console.log("spawned");',
    ].join("\n"),
  ];
}

const PYTHON_HOSTILE = [
  [
    "import errno, json, os, socket",
    "report = {}",
    "def attempt(name, f):",
    "    try:",
    "        f()",
    "        report[name] = 'ok'",
    "    except OSError as e:",
    "        report[name] = errno.errorcode.get(e.errno, str(e))",
    "def write(p, mode):",
    "    with open(p, mode) as f:",
    "        f.write('planted')",
    `for p in ${JSON.stringify(NEW_FILES.map((p) => p.replace("planted", "py-planted")))}:`,
    "    attempt('create ' + p, lambda: write(p, 'x'))",
    `for p in ${JSON.stringify(EXISTING)}:`,
    "    attempt('append ' + p, lambda: write(p, 'a'))",
    "    attempt('delete ' + p, lambda: os.unlink(p))",
    "attempt('own notebook', lambda: write('hostile-py.ipynb', 'a'))",
    `attempt('/tmp', lambda: write('/tmp/sandbox-probe-py-${run}', 'w'))`,
    "seen = {'token': os.environ.get('GITHUB_TOKEN', 'absent'), 'git': os.listdir('../.git'), 'home': os.listdir(os.environ.get('HOME', '/nonexistent')), 'pid': os.getpid()}",
    "print('REPORT ' + json.dumps({'report': report, 'seen': seen}))",
  ].join("\n"),
  [
    "import subprocess",
    "subprocess.Popen(['sleep', '7441'])",
    "subprocess.Popen(['sleep', '7442'], start_new_session=True)",
    "subprocess.Popen(['sh', '-c', 'setsid sleep 7443 & sleep 7444 &'])",
    "print('spawned')",
  ].join("\n"),
];

function pythonNotebook(sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source) => ({ cell_type: "code", execution_count: null, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { display_name: "Python 3 (ipykernel)", language: "python", name: "python3" } },
    nbformat: 4,
    nbformat_minor: 4,
  });
}

interface Report {
  report: Record<string, string>;
  seen: { token: string; git: string[]; home: string[]; pid: number; env?: string[] };
  hostPort?: string;
  own?: string;
}

/** The REPORT line a notebook printed, from the notebook the build wrote back. */
async function reportOf(copy: ProjectCopy, notebook: string): Promise<Report> {
  const nb = JSON.parse(await copy.read("notebooks", notebook)) as INotebookContent;
  const text = nb.cells.flatMap((c) => (c.cell_type === "code" ? (c.outputs as { text?: string | string[] }[]) : [])).map((o) => [o.text ?? ""].flat().join("")).join("");
  const line = text.split("\n").find((l) => l.startsWith("REPORT "));
  assert.ok(line, `no REPORT line in ${notebook}: ${text}`);
  return JSON.parse(line.slice("REPORT ".length)) as Report;
}

/** Every process whose command line is `sleep 74xx`: what the notebooks spawned. */
async function notebookSleeps(): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ").trim();
    if (/^sleep 74[34]\d$/.test(cmd)) found.push(`${entry}: ${cmd}`);
  }
  return found;
}

/** The file tree of the copy that no notebook may change (what the build writes left out). */
async function guarded(copy: ProjectCopy): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const sub of ["dist", "keys", ".cache/warm-kernel", ".git"]) for (const [k, v] of await snapshot(copy.path(sub))) all.set(k, v);
  for (const name of ["other.ipynb"]) all.set(name, await copy.read("notebooks", name));
  all.set("package.json", await copy.read("package.json"));
  all.set("root", (await readdir(copy.dir)).sort().join(","));
  return all;
}

describe("the kernel sandbox", { skip: !sandboxHere && !inCi ? "bubblewrap does not start here" : false }, () => {
  let copy: ProjectCopy;
  let home: string;
  let hostServer: Server;
  let build: RunResult;
  let before_: Map<string, string>;
  const env = (): Record<string, string> => ({ GITHUB_TOKEN: TOKEN, HOME: home });

  before(async () => {
    copy = await ProjectCopy.create({ notebooks: false, warm: true });
    home = await mkdtemp(join(tmpdir(), "sandbox-home-"));
    await writeFile(join(home, "secret.txt"), "the builder's own file");
    await mkdir(copy.path("dist"));
    await writeFile(copy.path("dist", "build.js"), "// the build\n");
    await mkdir(copy.path(".git"));
    await writeFile(copy.path(".git", "config"), "[core]\n");
    await copy.write("notebooks/other.ipynb", notebookJson(['console.log("another notebook")']));
    hostServer = createServer((s) => s.end("host"));
    await new Promise<void>((resolve) => hostServer.listen(0, "127.0.0.1", resolve));
    await copy.write("notebooks/hostile.ipynb", notebookJson(tslabHostile((hostServer.address() as AddressInfo).port)));
    const notebooks = ["notebooks/hostile.ipynb"];
    if (hasPython) {
      await copy.write("notebooks/hostile-py.ipynb", pythonNotebook(PYTHON_HOSTILE));
      notebooks.push("notebooks/hostile-py.ipynb");
    }
    before_ = await guarded(copy);
    build = await copy.run([...notebooks, "--timeout", "120"], { env: env() });
  });
  after(async () => {
    hostServer?.close();
    await rm(join(tmpdir(), `sandbox-probe-${run}`), { force: true });
    await rm(join(tmpdir(), `sandbox-probe-py-${run}`), { force: true });
    await rm(join(copy.path("node_modules"), `.planted-${run}`), { force: true });
    await rm(join(copy.path("node_modules"), `.py-planted-${run}`), { force: true });
    await copy?.dispose();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test("the hostile notebooks build, and the project is as it was", async () => {
    assert.equal(build.code, 0, build.stdout + build.stderr);
    assert.doesNotMatch(build.stdout + build.stderr, /sandbox cannot start/);
    assert.deepEqual(await guarded(copy), before_);
    for (const p of NEW_FILES) assert.equal((await readFile(copy.path("notebooks", p)).catch(() => undefined)), undefined, p);
  });

  for (const kernel of ["tslab", "python3"] as const) {
    const notebook = kernel === "tslab" ? "hostile.ipynb" : "hostile-py.ipynb";
    test(`${kernel}: every write outside /tmp fails; .git, $HOME and GITHUB_TOKEN are not seen`, async (t) => {
      if (kernel === "python3" && !hasPython) {
        if (inCi) throw new Error("python3-ipykernel missing under CI=true");
        return t.skip("python3-ipykernel not installed");
      }
      const { report, seen } = await reportOf(copy, notebook);
      const written = Object.entries(report).filter(([name, how]) => how === "ok" && name !== "/tmp");
      assert.deepEqual(written, []);
      assert.equal(report["/tmp"], "ok");
      assert.equal(seen.token, "absent");
      assert.deepEqual(seen.git, []);
      // $HOME is an empty folder of the kernel's own (IPython makes its .ipython there), not the builder's.
      assert.deepEqual(seen.home.filter((name) => name !== ".ipython"), []);
      assert.deepEqual(await readdir(home), ["secret.txt"]);
      // The kernel's own PID namespace: bubblewrap's init is 1, the kernel 2.
      assert.equal(seen.pid, 2);
      // /tmp was the kernel's own.
      assert.equal(await readFile(join(tmpdir(), `sandbox-probe-${kernel === "tslab" ? "" : "py-"}${run}`)).catch(() => undefined), undefined);
      assert.doesNotMatch(await copy.read("notebooks", notebook), new RegExp(TOKEN));
      assert.doesNotMatch(await copy.read("docs", notebook.replace(".ipynb", ".md")), new RegExp(TOKEN));
    });
  }

  test("tslab: the kernel's environment holds only the allowlist, its profile's and Jupyter's variables", async () => {
    const { seen } = await reportOf(copy, "hostile.ipynb");
    const allowed = new Set(["PATH", "LANG", "LANGUAGE", "TZ", "HOME", "PWD", "JPY_PARENT_PID", "FORCE_COLOR", "NODE_OPTIONS"]);
    assert.deepEqual(seen.env!.filter((name) => !allowed.has(name) && !/^LC_[A-Z_]+$/.test(name)), []);
    assert.ok(seen.env!.includes("PATH") && seen.env!.includes("HOME"));
  });

  test("tslab: the host's network is out of reach, the kernel's own loopback works", async () => {
    const { hostPort, own } = await reportOf(copy, "hostile.ipynb");
    assert.equal(hostPort, "ECONNREFUSED");
    assert.equal(own, "pong");
  });

  test("no process a notebook started outlives the build: children, setsid, double forks", async () => {
    let left = await notebookSleeps();
    for (let i = 0; i < 20 && left.length > 0; i++) {
      await sleep(100);
      left = await notebookSleeps();
    }
    assert.deepEqual(left, []);
    assert.deepEqual(await copy.tmpLeftovers(), []);
  });

  test("--pass-env opts a variable in, listed as an opt-out; --strict refuses it, and --no-sandbox", async () => {
    await copy.write("notebooks/env.ipynb", notebookJson(['console.log(process.env.GITHUB_TOKEN ?? "absent", process.pid === 2 ? "sandboxed" : "unconfined")']));
    const passed = await copy.run(["notebooks/env.ipynb", "--pass-env", "GITHUB_TOKEN"], { env: env() });
    assert.equal(passed.code, 0, passed.stdout + passed.stderr);
    assert.match(passed.stdout, /^opt-out this run: --pass-env GITHUB_TOKEN: the kernels see this variable$/m);
    assert.match(await copy.read("notebooks", "env.ipynb"), new RegExp(`${TOKEN} sandboxed`));
    const strict = await copy.run(["notebooks/env.ipynb", "--strict", "--pass-env", "GITHUB_TOKEN"], { env: env() });
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /--strict: 1 opt-out/);
    const unconfined = await copy.run(["notebooks/env.ipynb", "--strict", "--no-sandbox"], { env: env() });
    assert.equal(unconfined.code, 1);
    assert.match(unconfined.stdout, /^opt-out this run: --no-sandbox: kernels run unconfined, with your rights$/m);
    const tcp = await copy.run(["notebooks/env.ipynb", "--transport", "tcp"], { env: env() });
    assert.equal(tcp.code, 2);
    assert.match(tcp.stderr, /--transport tcp: .*--no-sandbox/);
  });

  test("a folder outside the project named by a parameter is readable, not writable; --keys likewise", async () => {
    const outside = await mkdtemp(join(tmpdir(), "sandbox-param-"));
    const keys = await mkdtemp(join(tmpdir(), "sandbox-keys-"));
    try {
      await writeFile(join(outside, "data.txt"), "outside data");
      await writeFile(join(keys, "k.json"), JSON.stringify({ keys: [] }));
      await copy.write("notebooks/param.ipynb", notebookJson([
        { source: 'const dataDir: string = ".";\nconst keysDir: string = ".";', tags: ["parameters"] },
        [
          'import * as fs from "fs";',
          'let write = "ok";',
          'try { fs.writeFileSync(dataDir + "/planted", "x"); } catch (e) { write = String((e as { code?: string }).code); }',
          'console.log(fs.readFileSync(dataDir + "/data.txt", "utf8"), fs.readdirSync(keysDir).join(","), write);',
        ].join("\n"),
      ]));
      const out = join(outside, "..", `sandbox-out-${run}`);
      const r = await copy.run(["notebooks/param.ipynb", "-p", `dataDir=${outside}`, "--keys", keys, "-p", `keysDir=${keys}`, "--out-dir", out], { env: env() });
      const page = await readFile(join(out, "param.md"), "utf8").catch((e: Error) => e.message);
      await rm(out, { recursive: true, force: true });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(page, /^ {4}outside data k\.json EROFS$/m);
      assert.deepEqual(await readdir(outside), ["data.txt"]);
    } finally {
      await rm(outside, { recursive: true, force: true });
      await rm(keys, { recursive: true, force: true });
    }
  });

  test("where bubblewrap cannot start, one line says so and the build runs unconfined; --strict refuses", async () => {
    const fake = join(home, "fake-bwrap");
    await writeFile(fake, "#!/bin/sh\necho 'bwrap: No permissions to create a new namespace' >&2\nexit 1\n");
    await chmod(fake, 0o755);
    const missing = await copy.run(["notebooks/env.ipynb", "--force"], { env: { ...env(), DOCS_SANDBOX_BWRAP: join(home, "no-such-bwrap") } });
    assert.equal(missing.code, 0, missing.stdout + missing.stderr);
    const lines = missing.stderr.split("\n").filter((l) => /sandbox/.test(l));
    assert.equal(lines.length, 1, missing.stderr);
    assert.match(lines[0]!, /the kernel sandbox cannot start here \(bubblewrap not found .*\); kernels run unconfined/);
    // As today: the kernel ran with the build's environment.
    assert.match(await copy.read("notebooks", "env.ipynb"), new RegExp(`${TOKEN} unconfined`));
    const nbBefore = await copy.read("notebooks", "env.ipynb");
    const refused = await copy.run(["notebooks/env.ipynb", "--force", "--strict"], { env: { ...env(), DOCS_SANDBOX_BWRAP: fake } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--strict: the kernel sandbox cannot start here \(bwrap: No permissions to create a new namespace\); nothing was run/);
    assert.doesNotMatch(refused.stdout, /^ok /m);
    assert.equal(await copy.read("notebooks", "env.ipynb"), nbBefore);
  });
});
