import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { DocsError } from "../errors.js";
import { errnoCode, type FileSystem } from "./fs-layer.js";

/** A path refused as a target: through a symbolic link, or outside the folders the build may write. */
export class UnsafePathError extends DocsError {
  override name = "UnsafePathError";
  constructor(message: string) {
    super("ERR_UNSAFE_PATH", message);
  }
}

/** `inner` is `outer` or lies inside it (both resolved). */
export function isInside(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith(".." + sep) && rel !== ".." && !isAbsolute(rel));
}

/**
 * The folders a build may write into (the project, and the --out-dir it was given). A target
 * must lie inside one, and no part of its path below that folder may be a symbolic link: a
 * committed link would otherwise make the build write or delete outside the checkout.
 */
export class Bounds {
  readonly roots: string[];
  private readonly only: string[] | undefined;

  /**
   * `only`: when given, a target must also lie inside one of these (folders or files under a
   * root); links are still looked for all the way up to the root.
   */
  constructor(roots: readonly string[], private readonly show: (path: string) => string = (p) => p, only?: readonly string[]) {
    this.only = only?.map((p) => resolve(p));
    // A root inside another (docs/ in the project) is no root of its own: docs/ itself is then
    // checked for being a link like any folder below the project.
    const resolved = [...new Set(roots.map((r) => resolve(r)))];
    this.roots = resolved.filter((r) => !resolved.some((o) => o !== r && isInside(r, o)));
  }

  rootOf(path: string): string | undefined {
    return this.roots.find((r) => isInside(resolve(path), r));
  }

  /** Throws UnsafePathError unless `path` may be written, renamed or deleted. */
  async check(fs: FileSystem, path: string): Promise<void> {
    const target = resolve(path);
    const root = this.rootOf(target);
    if (root === undefined) {
      throw new UnsafePathError(`${this.show(target)}: outside the folders the build writes (${this.roots.map(this.show).join(", ")}); refused`);
    }
    if (this.only && !this.only.some((p) => isInside(target, p))) {
      throw new UnsafePathError(`${this.show(target)}: outside the places the build writes (${this.only.map(this.show).join(", ")}); refused`);
    }
    const chain: string[] = [];
    for (let p = target; p !== root; p = dirname(p)) chain.unshift(p);
    for (const p of chain) {
      let isLink: boolean;
      try {
        isLink = (await fs.lstat(p)).isSymbolicLink();
      } catch (e) {
        if (errnoCode(e) === "ENOENT" || errnoCode(e) === "ENOTDIR") return;
        throw e;
      }
      if (isLink) {
        const what = p === target ? "is a symbolic link" : `lies under a symbolic link, ${this.show(p)}`;
        throw new UnsafePathError(`${this.show(target)} ${what}; the build never writes through links: replace the link with a real ${p === target ? "file" : "folder"} or remove it`);
      }
    }
  }
}
