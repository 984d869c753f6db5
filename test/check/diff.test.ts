import assert from "node:assert/strict";
import { test } from "node:test";
import { shortDiff } from "../../src/check/diff.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");

test("a changed text file is a unified diff, on disk against built", () => {
  const diff = shortDiff("docs/x.md", b("# Title\nsame\nold line\n"), b("# Title\nsame\nnew line\n"));
  assert.equal(
    diff,
    ["--- a/docs/x.md\ton disk", "+++ b/docs/x.md\tbuilt", "@@ -1,3 +1,3 @@", " # Title", " same", "-old line", "+new line", ""].join("\n"),
  );
});

test("a new or a removed file diffs against /dev/null", () => {
  assert.match(shortDiff("docs/new.md", undefined, b("hello\n")), /^--- \/dev\/null\ton disk\n\+\+\+ b\/docs\/new\.md\tbuilt\n@@ -0,0 \+1,1 @@\n\+hello\n/);
  assert.match(shortDiff("docs/old.md", b("bye\n"), undefined), /^--- a\/docs\/old\.md\ton disk\n\+\+\+ \/dev\/null\tbuilt\n@@ -1,1 \+0,0 @@\n-bye\n/);
});

test("a path outside the project (an IG checkout) is labelled as git labels it: one slash after a/ and b/", () => {
  const diff = shortDiff("/tmp/ig/input/pages/x.md", b("old\n"), b("new\n"));
  assert.match(diff, /^--- a\/tmp\/ig\/input\/pages\/x\.md\ton disk\n\+\+\+ b\/tmp\/ig\/input\/pages\/x\.md\tbuilt\n/);
  assert.doesNotMatch(diff, /\/\/|committed/);
});

test("binary files are named, not diffed", () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
  assert.equal(shortDiff("docs/x_files/a.png", png, Buffer.from([0x89, 0, 9])), "binary file docs/x_files/a.png differs\n");
  assert.equal(shortDiff("docs/x_files/a.png", undefined, png), "new binary file docs/x_files/a.png\n");
  assert.equal(shortDiff("docs/x_files/a.png", png, undefined), "binary file docs/x_files/a.png would be removed\n");
});

test("a long diff is cut at 40 lines and says how many more there are", () => {
  const lines = (prefix: string): Buffer => b(Array.from({ length: 100 }, (_, i) => `${prefix} ${i}`).join("\n") + "\n");
  const diff = shortDiff("docs/x.md", lines("old"), lines("new")).split("\n");
  assert.equal(diff.length, 42);
  assert.equal(diff[40], "… 164 more diff lines");
  assert.equal(diff[41], "");
});
