import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";

/** True when the test runs in CI, where a missing prerequisite is a failure, not a skip. */
export const inCi = process.env.CI === "true";

/**
 * Skips the test with a reason on a developer machine, fails it under CI=true:
 * CI installs every prerequisite, so a missing one there is a broken set-up.
 * Returns false when the test must stop.
 */
export function prerequisite(t: TestContext, ok: boolean, reason: string): boolean {
  if (ok) return true;
  if (inCi) throw new Error(`prerequisite missing under CI=true: ${reason}`);
  t.skip(reason);
  return false;
}

const works = new Map<string, boolean>();

/** Whether `cmd args…` runs and exits 0; asked once per process (a Python start costs 0.6 s). */
export function commandWorks(cmd: string, args: string[]): boolean {
  const key = JSON.stringify([cmd, ...args]);
  let ok = works.get(key);
  if (ok === undefined) {
    ok = spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
    works.set(key, ok);
  }
  return ok;
}

export const chromiumPath = "/usr/bin/chromium";
export const hasChromium = (): boolean => existsSync(chromiumPath);
export const hasNbconvert = (): boolean => commandWorks("jupyter-nbconvert", ["--version"]);
export const hasJekyll = (): boolean => commandWorks("jekyll", ["--version"]);
