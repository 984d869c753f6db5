import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { kernelEnvironment, validEnvName } from "../../src/kernel/sandbox/environment.js";
import { mountArguments, NAMESPACE_ARGS } from "../../src/kernel/sandbox/mounts.js";
import { mountPlan } from "../../src/kernel/sandbox/plan.js";
import { bwrapProgram, probeSandbox } from "../../src/kernel/sandbox/probe.js";

describe("sandbox: the environment is an allowlist", () => {
  const from = { PATH: "/usr/bin", LANG: "C.UTF-8", LC_TIME: "de_DE.UTF-8", TZ: "UTC", HOME: "/home/u", GITHUB_TOKEN: "secret", AWS_SECRET_ACCESS_KEY: "k", NODE_OPTIONS: "--require x", TMPDIR: "/x" };

  test("only PATH, the locale, TZ and HOME pass, then the profile's variables and the build's", () => {
    const env = kernelEnvironment({ from, profile: { NODE_OPTIONS: "", FORCE_COLOR: "0" }, passEnv: [], build: { JPY_PARENT_PID: "1" } });
    assert.deepEqual(env, { PATH: "/usr/bin", LANG: "C.UTF-8", LC_TIME: "de_DE.UTF-8", TZ: "UTC", HOME: "/home/u", NODE_OPTIONS: "", FORCE_COLOR: "0", JPY_PARENT_PID: "1" });
  });

  test("--pass-env adds a variable that is set; one that is not stays unset", () => {
    const env = kernelEnvironment({ from, profile: {}, passEnv: ["GITHUB_TOKEN", "UNSET_ONE"], build: {} });
    assert.equal(env.GITHUB_TOKEN, "secret");
    assert.equal(Object.hasOwn(env, "UNSET_ONE"), false);
    assert.equal(Object.hasOwn(env, "AWS_SECRET_ACCESS_KEY"), false);
  });

  test("variable names", () => {
    assert.ok(validEnvName("GITHUB_TOKEN"));
    assert.ok(!validEnvName("A=B"));
    assert.ok(!validEnvName("1X"));
    assert.ok(!validEnvName(""));
  });
});

describe("sandbox: mounts", () => {
  let root: string;
  let project: string;
  let home: string;
  let outside: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "sandbox-plan-"));
    project = join(root, "project");
    home = join(root, "home");
    outside = join(root, "elsewhere");
    await mkdir(join(project, ".git"), { recursive: true });
    await mkdir(join(project, "notebooks"), { recursive: true });
    await mkdir(home);
    await mkdir(join(outside, "node_modules"), { recursive: true });
    await mkdir(join(outside, "keys"));
    await symlink(join(outside, "node_modules"), join(project, "node_modules"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const plan = (readOnly: string[]): ReturnType<typeof mountPlan> =>
    mountPlan({ projectRoot: project, readOnly, cwd: join(project, "notebooks"), connectionDir: join(root, "conn"), home });

  test("the project and what it links read-only, .git hidden, /tmp and $HOME private, the connection folder last and writable", () => {
    const args = mountArguments(plan([join(outside, "keys")]));
    assert.deepEqual(args.slice(0, NAMESPACE_ARGS.length), [...NAMESPACE_ARGS]);
    const at = (...seq: string[]): number => args.findIndex((_, i) => seq.every((s, j) => args[i + j] === s));
    assert.ok(at("--ro-bind", "/usr", "/usr") > 0);
    assert.ok(at("--tmpfs", "/tmp") > 0);
    // $HOME, inside /tmp here, is made after /tmp; the project, also inside, after both.
    assert.ok(at("--tmpfs", home) > at("--tmpfs", "/tmp"));
    assert.ok(at("--ro-bind", project, project) > at("--tmpfs", home));
    assert.ok(at("--ro-bind", join(outside, "node_modules"), join(outside, "node_modules")) > 0);
    assert.ok(at("--ro-bind", join(outside, "keys"), join(outside, "keys")) > 0);
    assert.ok(at("--tmpfs", join(project, ".git"), "--remount-ro", join(project, ".git")) > at("--ro-bind", project, project));
    assert.deepEqual(args.slice(-5), ["--bind", join(root, "conn"), join(root, "conn"), "--chdir", join(project, "notebooks")]);
    assert.ok(!args.includes("--share-net"));
  });

  test("a path given that is /, holds the project or $HOME, or does not exist is not bound", () => {
    const given = ["/", root, home, join(root, "missing"), join(project, "notebooks")];
    const binds = plan(given).readOnly;
    for (const g of given) assert.ok(!binds.includes(g), g);
    assert.ok(binds.includes(project));
  });

  test("a .git file (a worktree's) is made unreadable", async () => {
    const worktree = join(root, "worktree");
    await mkdir(worktree);
    await writeFile(join(worktree, ".git"), "gitdir: /elsewhere\n");
    const args = mountArguments(mountPlan({ projectRoot: worktree, readOnly: [], cwd: worktree, connectionDir: join(root, "conn"), home: undefined }));
    const i = args.indexOf(join(worktree, ".git"));
    assert.deepEqual(args.slice(i - 2, i + 1), ["--ro-bind", "/dev/null", join(worktree, ".git")]);
  });
});

describe("sandbox: finding bubblewrap", () => {
  test("DOCS_SANDBOX_BWRAP names the program; a missing one is reported, not run", async () => {
    assert.equal(bwrapProgram({ DOCS_SANDBOX_BWRAP: "/nonexistent/bwrap" }), undefined);
    const probe = await probeSandbox({ DOCS_SANDBOX_BWRAP: "/nonexistent/bwrap", PATH: "" });
    assert.deepEqual(probe.ok, false);
    assert.match(probe.ok ? "" : probe.reason, /bubblewrap not found/);
  });

  test("a bubblewrap that cannot make namespaces: its first line is the reason", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fake-bwrap-"));
    try {
      const fake = join(dir, "bwrap");
      await writeFile(fake, "#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n");
      await chmod(fake, 0o755);
      const probe = await probeSandbox({ DOCS_SANDBOX_BWRAP: fake });
      assert.deepEqual(probe, { ok: false, reason: "bwrap: setting up uid map: Permission denied" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
