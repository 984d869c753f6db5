import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ProjectCopy, notebookJson, processesIn } from "../support/project-copy.js";

// A cell that starts processes meant to outlive it: one left in the kernel's group, one that
// called setsid (detached), both unref'd so the kernel does not wait for them.
const SPAWNS = [
  'import { spawn } from "child_process";',
  'spawn("sleep", ["600"], { stdio: "ignore" }).unref();',
  'spawn("sleep", ["601"], { stdio: "ignore", detached: true }).unref();',
].join("\n");

async function commandsIn(dir: string): Promise<string[]> {
  const pids = await processesIn(dir);
  return Promise.all(pids.map(async (pid) => (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ").trim()));
}

/** Polls until `ok` holds or `ms` pass; returns the last value. */
async function until<T>(ms: number, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await get();
  while (!ok(value) && Date.now() < deadline) {
    await sleep(100);
    value = await get();
  }
  return value;
}

describe("processes a notebook starts", () => {
  const copies: ProjectCopy[] = [];
  after(async () => {
    for (const copy of copies) {
      for (const pid of await processesIn(copy.dir)) process.kill(pid, "SIGKILL");
      await copy.dispose();
    }
  });

  // A warm kernel here, a cold one below: the watchdog that ends the kernel's group is started
  // by the snapshot's start in one, by the preload in the other.
  test("spawn().unref() and detached children are gone when the build ends, with no kernel folder left", async () => {
    const copy = await ProjectCopy.create({ notebooks: false, warm: true });
    copies.push(copy);
    await copy.write("notebooks/spawns.ipynb", notebookJson([SPAWNS, 'console.log("done")']));
    const run = await copy.run(["notebooks/spawns.ipynb"]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(await commandsIn(copy.dir), []);
    assert.deepEqual(await copy.tmpLeftovers(), []);
  });

  test("when the build is SIGKILLed, its kernel and the kernel's children end within a few seconds", async () => {
    const copy = await ProjectCopy.create({ notebooks: false });
    copies.push(copy);
    await copy.write("notebooks/hangs.ipynb", notebookJson([SPAWNS, "while (true) {}"]));
    let build = 0;
    const run = copy.run(["notebooks/hangs.ipynb", "--timeout", "600"], { onStart: (pid) => (build = pid) });
    // Cell 1 has run once both sleeps exist (the kernel's watchdog runs `sleep 0.5` there too).
    const spawned = (cmds: string[]): string[] => cmds.filter((c) => /^sleep 60[01]$/.test(c));
    const started = await until(120_000, () => commandsIn(copy.dir), (cmds) => spawned(cmds).length === 2);
    assert.equal(spawned(started).length, 2, started.join("\n"));
    process.kill(build, "SIGKILL");
    assert.equal((await run).signal, "SIGKILL");
    const killedAt = Date.now();
    const left = await until(5_000, () => commandsIn(copy.dir), (cmds) => cmds.length === 0);
    assert.deepEqual(left, [], `still running ${Date.now() - killedAt} ms after the build was killed`);
    const folders = await until(2_000, () => copy.tmpLeftovers(), (names) => names.length === 0);
    assert.deepEqual(folders, []);
  });
});
