// Only the core of highlight.js plus the languages the notebooks use: the full
// bundle registers ~190 grammars and would slow every build for nothing.
import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import plaintext from "highlight.js/lib/languages/plaintext";
import python from "highlight.js/lib/languages/python";
import shell from "highlight.js/lib/languages/shell";
import typescript from "highlight.js/lib/languages/typescript";

hljs.registerLanguage("typescript", typescript);
hljs.registerLanguage("javascript", javascript);
hljs.registerLanguage("json", json);
hljs.registerLanguage("python", python);
hljs.registerLanguage("bash", bash);
hljs.registerLanguage("shell", shell);
hljs.registerLanguage("plaintext", plaintext);
hljs.registerAliases(["sh", "zsh"], { languageName: "bash" });
hljs.registerAliases(["text", "txt"], { languageName: "plaintext" });

/**
 * Highlighted HTML (already escaped) for `code` in `lang`, or undefined when the
 * language is unknown so the caller escapes the text itself.
 */
export function highlightCode(code: string, lang: string): string | undefined {
  const name = lang.trim().toLowerCase();
  if (!name || !hljs.getLanguage(name)) return undefined;
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}
