import { mkdir } from "node:fs/promises";
import { KEY_ALGORITHMS } from "./algorithms.js";
import { formatJwkSet } from "./format.js";
import { generateKeyPairJwk } from "./generate.js";
import { assertWritable, keyFileNames, writeKeyFiles } from "./key-files.js";
import { toJwkSets } from "./to-jwk-set.js";

export interface MakeKeysOptions {
  outDir: string;
  force: boolean;
  rsaBits: number;
}

/** Generates one key pair per algorithm and writes its private and public JWK set files; returns the paths written. */
export async function makeKeys(options: MakeKeysOptions): Promise<string[]> {
  const names = KEY_ALGORITHMS.flatMap((alg) => Object.values(keyFileNames(alg)));
  // Check every target before generating anything, so a refusal leaves the folder untouched.
  await assertWritable(options.outDir, names, options.force);
  const files = new Map<string, string>();
  for (const alg of KEY_ALGORITHMS) {
    const sets = await toJwkSets(await generateKeyPairJwk(alg, { rsaBits: options.rsaBits }));
    const { privateFile, publicFile } = keyFileNames(alg);
    files.set(privateFile, formatJwkSet(sets.privateSet));
    files.set(publicFile, formatJwkSet(sets.publicSet));
  }
  await mkdir(options.outDir, { recursive: true });
  return writeKeyFiles(options.outDir, files);
}
