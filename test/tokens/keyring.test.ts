import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { loadKeyRing } from "../../src/tokens/keyring.js";
import { projectRoot } from "../fixtures/tokens/helpers.js";

const kidsIn = async (file: string): Promise<string[]> =>
  (JSON.parse(await readFile(file, "utf8")) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

test("the key ring reads sub-folders of keys/, so the spec's keys in keys/spec/ verify too", async () => {
  const ring = await loadKeyRing(join(projectRoot, "keys"));
  const expected = new Set<string>();
  for (const file of ["RS384.public.json", "ES384.public.json", "spec/RS384.public.json", "spec/ES384.public.json"]) {
    for (const kid of await kidsIn(join(projectRoot, "keys", file))) expected.add(kid);
  }
  assert.deepEqual(ring.kids, [...expected].sort());
  assert.match(ring.get((await kidsIn(join(projectRoot, "keys", "spec", "RS384.public.json")))[0]!)!.source, /keys\/spec\/RS384\.p(rivate|ublic)\.json$/);
});
