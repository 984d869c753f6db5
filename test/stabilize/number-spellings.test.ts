import assert from "node:assert/strict";
import { test } from "node:test";
import type { INotebookContent } from "@jupyterlab/nbformat";
import { parseNotebook } from "../../src/notebook/read.js";
import { serializeNotebook } from "../../src/notebook/serialize.js";
import { STABILIZERS } from "../../src/stages/index.js";
import type { StageContext } from "../../src/stages/types.js";
import { keyRingFromSets } from "../../src/tokens/keyring.js";

// A notebook is written back after its stabilizers ran; `1.0` and long ints must come out as
// they were read, wherever they are: notebook, cell and output metadata, output data.
const TEXT = `{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "id": "a",
   "metadata": {
    "scale": 1.0
   },
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "one\\n"
     ]
    },
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "    at f (/work/somewhere/x.ts:1:2)\\n"
     ]
    },
    {
     "data": {
      "application/json": {
       "big": 12345678901234567890,
       "ratio": 2.0
      },
      "text/plain": [
       "x"
      ]
     },
     "metadata": {
      "width": 10.0
     },
     "output_type": "display_data"
    }
   ],
   "source": [
    "x"
   ]
  }
 ],
 "metadata": {
  "version": 1.0
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

test("number spellings (1.0, ints beyond 2**53) survive every stabilizer", async () => {
  const stored = parseNotebook(TEXT, "x.ipynb");
  const fresh = parseNotebook(TEXT, "x.ipynb");
  const ctx: StageContext = {
    label: "x.ipynb",
    notebookPath: "/work/somewhere/x.ipynb",
    notebookDir: "/work/somewhere",
    projectRoot: "/work",
    keysLabel: "keys/",
    name: "x",
    stored,
    ring: keyRingFromSets([]),
  };
  let nb: INotebookContent = fresh;
  for (const stabilizer of STABILIZERS) nb = await stabilizer.apply(nb, ctx);
  const written = serializeNotebook(nb);
  // The streams were merged and the path made relative: the stabilizers did run.
  assert.match(written, /"one\\n",\n {6}" {4}at f \(x\.ts:1:2\)\\n"/);
  for (const spelling of ['"scale": 1.0', '"big": 12345678901234567890', '"ratio": 2.0', '"width": 10.0', '"version": 1.0']) {
    assert.ok(written.includes(spelling), `${spelling} in\n${written}`);
  }
});
