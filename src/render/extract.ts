/**
 * Output extraction as nbconvert's ExtractOutputPreprocessor does it: every PNG, JPEG,
 * SVG and PDF in a display_data/execute_result becomes a file
 * `<name>_files/<name>_<cell index>_<output index>.<ext>` (0-based indices, outputs
 * counted after consecutive streams are merged), whichever type the page shows.
 */

import { DocsError } from "../errors.js";

/** Extracted types and their file extensions (Python's mimetypes.guess_extension). */
const EXTRACTED: ReadonlyArray<readonly [string, string]> = [
  ["image/png", ".png"],
  ["image/jpeg", ".jpg"],
  ["image/svg+xml", ".svg"],
  ["application/pdf", ".pdf"],
];
const BINARY = new Set(["image/png", "image/jpeg", "application/pdf"]);

/** An output that cannot become a file (bad base64, an unsafe or repeated filename): the notebook's fault, not a crash. */
export class ExtractError extends DocsError {
  override name = "ExtractError";
  /** `cellIndex`: 0-based, in the notebook the renderer was given. */
  constructor(readonly cellIndex: number, readonly problem: string) {
    super("ERR_OUTPUT_INVALID", `cell ${cellIndex + 1}: ${problem}`);
  }

  /** The same error naming the cell as Jupyter numbers it, when the page left cells out (`origin`: see PageView). */
  renumbered(origin: readonly number[]): ExtractError {
    return new ExtractError(origin[this.cellIndex] ?? this.cellIndex, this.problem);
  }
}

/**
 * Adds the files of one output to `files` and returns their paths by mime type.
 * `data` holds joined strings (lists of lines already rejoined).
 */
export function extractOutputFiles(
  data: Record<string, unknown>,
  metadata: Record<string, unknown>,
  at: { name: string; cellIndex: number; outputIndex: number },
  files: Map<string, Buffer>,
): Map<string, string> {
  const paths = new Map<string, string>();
  for (const [mime, ext] of EXTRACTED) {
    if (!(mime in data)) continue;
    const value = data[mime];
    const bytes = BINARY.has(mime) ? decodeBase64(value, mime, at.cellIndex) : textBytes(value);
    if (mime === "image/svg+xml") refuseActiveSvg(bytes.toString("utf8"), at.cellIndex);
    const path = `${at.name}_files/${fileName(metadata.filename, ext, at)}`;
    if (files.has(path)) {
      throw new ExtractError(
        at.cellIndex,
        `output file ${path} is written by more than one output; ` +
          `output "filename" metadata must be unique within a notebook`,
      );
    }
    files.set(path, bytes);
    paths.set(mime, path);
  }
  return paths;
}

// What makes an SVG file a document that acts when opened on the site's origin (a page shows it
// as an image, where none of it runs; a reader may open the file itself): scripts, event
// handlers, embedded HTML, links and references that leave the file, animations that set one,
// entity declarations.
const ACTIVE_SVG = [
  /<\s*(?:[\w-]+:)?(?:script|foreignObject|iframe|object|embed|handler|listener)\b/i,
  /[\s"'/]on[a-z]+\s*=/i,
  /\b(?:xlink:)?href\s*=\s*(?:"\s*(?!#)|'\s*(?!#)|(?!["'#]))/i,
  /attributeName\s*=\s*["']?\s*(?:xlink:)?href/i,
  /<!ENTITY/i,
];

/**
 * An SVG output with active content is refused (the notebook fails) rather than published: the
 * extracted file would run it on the site's origin when opened.
 */
function refuseActiveSvg(svg: string, cellIndex: number): void {
  if (ACTIVE_SVG.some((pattern) => pattern.test(svg))) {
    throw new ExtractError(cellIndex, `an image/svg+xml output has active content (a script, an event handler, embedded HTML or a link leaving the image); opened from the site it would run there, so it is not published`);
  }
}

function fileName(custom: unknown, ext: string, at: { name: string; cellIndex: number; outputIndex: number }): string {
  if (typeof custom === "string" && custom !== "") {
    // nbconvert would also accept absolute paths and "..", writing outside the output folder.
    if (custom.startsWith("/") || custom.split("/").includes("..")) {
      throw new ExtractError(at.cellIndex, `output "filename" metadata ${JSON.stringify(custom)} must stay inside the files folder`);
    }
    return custom.endsWith(ext) ? custom : custom + ext;
  }
  return `${at.name}_${at.cellIndex}_${at.outputIndex}${ext}`;
}

function textBytes(value: unknown): Buffer {
  // SVG is text; anything that is not a string is written as its JSON text.
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8");
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Map([...B64].map((c, i) => [c.charCodeAt(0), i]));

/**
 * Python's lenient `binascii.a2b_base64`: characters outside the alphabet are skipped,
 * decoding stops at complete padding, and a truncated quantum is an error.
 */
export function decodeBase64(value: unknown, mime: string, cellIndex: number): Buffer {
  const fail = (why: string): never => {
    throw new ExtractError(cellIndex, `${mime} output is not valid base64 (${why})`);
  };
  if (typeof value !== "string") return fail("not a string");
  if (/[^\x00-\x7f]/.test(value)) fail("non-ASCII characters");
  // Well-formed base64 (line breaks allowed) decodes the same either way; Node's decoder is faster.
  const compact = value.replace(/\r?\n/g, "");
  if (compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return Buffer.from(compact, "base64");
  const out = Buffer.alloc(Math.floor((value.length * 3) / 4) + 3);
  let n = 0;
  let quad = 0;
  let left = 0;
  let pads = 0;
  let dataChars = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0x3d /* = */) {
      if (quad >= 2 && quad + ++pads >= 4) return out.subarray(0, n);
      continue;
    }
    const v = B64_VALUE.get(code);
    if (v === undefined) continue;
    dataChars++;
    pads = 0;
    switch (quad) {
      case 0:
        left = v;
        quad = 1;
        break;
      case 1:
        out[n++] = (left << 2) | (v >> 4);
        left = v & 0x0f;
        quad = 2;
        break;
      case 2:
        out[n++] = (left << 4) | (v >> 2);
        left = v & 0x03;
        quad = 3;
        break;
      default:
        out[n++] = (left << 6) | v;
        quad = 0;
    }
  }
  if (quad === 1) fail(`${dataChars} data characters, 1 more than a multiple of 4`);
  if (quad !== 0) fail("incorrect padding");
  return out.subarray(0, n);
}
