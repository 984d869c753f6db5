import { basename, join, relative } from "node:path";
import type { Project } from "../project.js";
import type { Target } from "./types.js";

/** The record of what the build wrote into an IG, beside input/pages and input/images. */
export const IG_MANIFEST = ".docs-manifest.json";

/** The folders of an IG rooted at `dir` that the build writes. */
export function igFolders(dir: string): { input: string; pages: string; images: string; manifest: string } {
  const input = join(dir, "input");
  return { input, pages: join(input, "pages"), images: join(input, "images"), manifest: join(input, IG_MANIFEST) };
}

/**
 * An HL7 IG rooted at `dir`: `input/pages/<name>.md` (Markdown only, Liquid-safe: what the code
 * printed is wrapped so Jekyll prints it literally), `input/images/<name>.ipynb` (the executed
 * notebook) and `input/images/<name>_files/` (its extracted outputs). The publisher puts both
 * folders' contents at the IG's root, so the page's `<name>_files/…` links resolve unchanged.
 * No HTML, no index, no variants (their notebooks are not kept), no build cache.
 */
export function igTarget(project: Project, dir: string): Target {
  const folders = igFolders(dir);
  return {
    kind: "ig",
    async renderers() {
      const [{ markdownRendererWith }, { liquidLiteral }] = await Promise.all([import("../render/markdown.js"), import("../render/liquid-literal.js")]);
      return [markdownRendererWith({ literal: liquidLiteral })];
    },
    publishesNotebook: true,
    site: false,
    output: { base: folders.input, manifest: folders.manifest, roots: [dir], only: [folders.pages, folders.images, folders.manifest] },
    place: (jobs) =>
      jobs.map((job) => {
        // Sub-folders of notebooks/ are mirrored, as in docs/.
        const sub = relative(project.docsDir, job.docsDir);
        const inside = sub === "" || !sub.startsWith("..");
        const images = inside ? join(folders.images, sub) : folders.images;
        return {
          ...job,
          docsDir: inside ? join(folders.pages, sub) : folders.pages,
          filesDir: images,
          notebookOut: join(images, basename(job.path)),
        };
      }),
  };
}
