/** Text with some spellings decoded, and the way back to positions in the original. */
export interface ScanView {
  text: string;
  /** Position in the original text of position `at` of the view (at = text.length allowed). */
  origin(at: number): number;
}

// Numeric character references as browsers read them (the semicolon is optional), and the named
// ones for characters a token is made of.
const CHAR_REF = /&#(?:[xX]0*([0-9a-fA-F]{1,6})|0*([0-9]{1,7}));?|&(period|lowbar|UnderBar|hyphen|dash);/g;
const NAMED: Record<string, string> = { period: ".", lowbar: "_", UnderBar: "_" };
const TOKEN_CHAR = /^[A-Za-z0-9._-]$/;

/**
 * The text as a browser shows it, as far as token characters go: character references that
 * stand for a base64url character or a dot are replaced by it. Other references stay as they are.
 */
export function scanView(text: string): ScanView {
  if (!text.includes("&")) return { text, origin: (at) => at };
  let out = "";
  // Pairs (view position, original position) where the offset between the two changes.
  const marks: Array<[number, number]> = [];
  let from = 0;
  for (const m of text.matchAll(CHAR_REF)) {
    const code = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 10) : undefined;
    const ch = code !== undefined ? (code <= 0x10ffff ? String.fromCodePoint(code) : "") : NAMED[m[3]!];
    if (ch === undefined || !TOKEN_CHAR.test(ch)) continue;
    out += text.slice(from, m.index) + ch;
    from = m.index + m[0].length;
    marks.push([out.length, from]);
  }
  out += text.slice(from);
  if (marks.length === 0) return { text, origin: (at) => at };
  return {
    text: out,
    origin(at) {
      // The last mark at or before `at`; positions before the first mark are unchanged.
      let lo = 0;
      let hi = marks.length - 1;
      let best = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (marks[mid]![0] <= at) (best = mid), (lo = mid + 1);
        else hi = mid - 1;
      }
      if (best < 0) return at;
      const [viewAt, originalAt] = marks[best]!;
      return originalAt + (at - viewAt);
    },
  };
}

// What a browser shows joined up: markup between a token's pieces (`<span>` around a segment),
// Markdown's backslash escapes of punctuation (`\.`), and characters it draws as nothing
// (zero-width space, joiners, word joiner, byte order mark, soft hyphen).
const MARKUP = /<[^<>]*>/g;
const MARKDOWN_ESCAPE = /\\([.\-_])/g;
const INVISIBLE = /[\u00AD\u200B-\u200D\u2060\uFEFF]/g;

/**
 * The text as a reader sees it once a browser renders it, as far as a token's characters go; for
 * finding tokens only (positions are not kept). Linear: each pattern is one pass.
 */
export function renderedText(text: string): string {
  return text.replace(MARKUP, "").replace(MARKDOWN_ESCAPE, "$1").replace(INVISIBLE, "");
}
