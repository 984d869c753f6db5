import type { Project } from "../project.js";
import type { Target } from "./types.js";
import { docsOutput } from "../write/writer.js";

/** docs/ (or --out-dir): `<name>.md` as nbconvert writes it, `<name>.html`, `<name>_files/`, the index. */
export function docsTarget(project: Project): Target {
  return {
    kind: "docs",
    async renderers() {
      return (await import("../stages/index.js")).RENDERERS;
    },
    publishesNotebook: false,
    site: true,
    output: docsOutput(project),
    place: (jobs) => [...jobs],
  };
}
