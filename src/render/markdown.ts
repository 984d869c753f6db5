/**
 * Notebook → Markdown, byte for byte what `jupyter nbconvert --to markdown` writes
 * (its markdown template on the base templates, with the preprocessing the markdown
 * exporter enables). The blank lines come from the template's literal newlines; each
 * piece below notes the block it stands for.
 */
import type { ICell, ICodeCell, INotebookContent } from "@jupyterlab/nbformat";
import { joinLines } from "../notebook/lines.js";
import { extractOutputFiles } from "./extract.js";
import { fenceLanguage, prepareOutputs, type PreparedOutput } from "./markdown-prepare.js";
import { indent, pathToUrl, pythonStr, stripAnsi } from "./markdown-text.js";
import type { Renderer } from "../stages/types.js";

export interface RenderedMarkdown {
  markdown: string;
  files: Map<string, Buffer>;
}

/** Raw cells kept by the markdown exporter, by lower-cased raw_mimetype ("" = none). */
const RAW_KEPT = new Set(["text/markdown", "text/html", ""]);

/** nbconvert's display priority for markdown: the first type present is shown. */
const PRIORITY = ["text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png", "image/jpeg", "text/plain"];

export interface MarkdownOptions {
  /**
   * Applied to every block the notebook's code made (a code cell's input, each output), not to
   * what an author wrote in markdown and raw cells: a target's escaping (Liquid for an IG). The
   * blocks start and end with a line break; without it the page is nbconvert's.
   */
  literal?: (block: string) => string;
}

export function renderMarkdown(nb: INotebookContent, name: string, options: MarkdownOptions = {}): RenderedMarkdown {
  const files = new Map<string, Buffer>();
  const metadata = (nb.metadata ?? {}) as Record<string, unknown>;
  const literal = options.literal ?? ((block: string) => block);
  const parts = nb.cells.map((cell, cellIndex) => renderCell(cell, cellIndex, name, metadata, files, literal));
  // The exporter strips leading line breaks from the whole document.
  return { markdown: parts.join("").replace(/^[\r\n]+/, ""), files };
}

function renderCell(cell: ICell, cellIndex: number, name: string, metadata: Record<string, unknown>, files: Map<string, Buffer>, literal: (block: string) => string): string {
  const hidden = isRemovedSource(cell);
  switch (cell.cell_type) {
    case "markdown":
      return hidden ? "" : `\n${joinLines(cell.source)}\n`;
    case "raw": {
      if (hidden) return "";
      const mime = (cell.metadata as Record<string, unknown>).raw_mimetype ?? "";
      // Raw text goes in with no line breaks of its own around it.
      return typeof mime === "string" && RAW_KEPT.has(mime.toLowerCase()) ? joinLines(cell.source) : "";
    }
    case "code":
      return renderCodeCell(cell as ICodeCell, cellIndex, name, metadata, files, hidden, literal);
    default:
      return "\nunknown type  \n";
  }
}

function renderCodeCell(
  cell: ICodeCell,
  cellIndex: number,
  name: string,
  metadata: Record<string, unknown>,
  files: Map<string, Buffer>,
  hidden: boolean,
  literal: (block: string) => string,
): string {
  const source = joinLines(cell.source);
  let out = "";
  if (!hidden) {
    // in_prompt block ("\n") then input block.
    out += "\n" + literal("\n```" + fenceLanguage(cell, source, metadata) + "\n" + source + "\n```\n");
  }
  prepareOutputs(cell.outputs ?? []).forEach((output, outputIndex) => {
    out += literal(renderOutput(output, { name, cellIndex, outputIndex }, files));
  });
  return out;
}

function renderOutput(
  output: PreparedOutput,
  at: { name: string; cellIndex: number; outputIndex: number },
  files: Map<string, Buffer>,
): string {
  switch (output.type) {
    case "stream":
      return "\n" + indent(output.text) + "\n";
    case "error":
      return "\n" + output.traceback.map((line) => "\n" + stripAnsi(indent(line)) + "\n").join("") + "\n";
    case "execute_result":
    case "display_data": {
      const paths = extractOutputFiles(output.data, output.metadata, at, files);
      const shown = renderData(output.data, paths);
      // execute_result wraps the data_priority block ("\n…\n") in two more lines each side.
      return output.type === "execute_result" ? "\n\n\n" + shown + "\n\n" : "\n" + shown + "\n";
    }
    default:
      return "";
  }
}

function renderData(data: Record<string, unknown>, paths: Map<string, string>): string {
  const mime = PRIORITY.find((m) => Object.hasOwn(data, m));
  if (mime === undefined) return "";
  const text = () => pythonStr(data[mime]);
  switch (mime) {
    case "image/svg+xml":
      return image("svg", paths.get(mime)!);
    case "image/png":
      return image("png", paths.get(mime)!);
    case "image/jpeg":
      return image("jpeg", paths.get(mime)!);
    case "text/plain":
      return "\n" + indent(text()) + "\n";
    default: // text/html, text/markdown, text/latex go in as they are
      return "\n" + text() + "\n";
  }
}

/** The image blocks' indented if/else leaves lines of four spaces around the link. */
function image(alt: string, path: string): string {
  return `\n    \n![${alt}](${pathToUrl(path)})\n    \n`;
}

function isRemovedSource(cell: ICell): boolean {
  const transient = (cell as Record<string, unknown>).transient;
  return typeof transient === "object" && transient !== null && Boolean((transient as Record<string, unknown>).remove_source);
}

/** A renderer of `<name>.md` and the extracted images under `<name>_files/`, with a target's escaping. */
export function markdownRendererWith(options: MarkdownOptions): Renderer {
  return {
    name: "markdown",
    render(nb, ctx, page) {
      const { markdown, files } = renderMarkdown(nb, ctx.name, options);
      page.files.set(`${ctx.name}.md`, Buffer.from(markdown, "utf8"));
      for (const [rel, content] of files) page.files.set(rel, content);
    },
  };
}

/** `<name>.md` as nbconvert writes it, and the extracted images under `<name>_files/`. */
export const markdownRenderer: Renderer = markdownRendererWith({});
