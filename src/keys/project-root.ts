import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/** The nearest folder at or above `start` holding a package.json (works from scripts/ and dist/scripts/). */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json found at or above ${start}`);
  }
}
