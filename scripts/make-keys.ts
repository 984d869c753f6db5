#!/usr/bin/env node
import { relative, resolve, isAbsolute, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { MIN_RSA_BITS } from "../src/keys/algorithms.js";
import { KeyFileExistsError } from "../src/keys/key-files.js";
import { makeKeys } from "../src/keys/make-keys.js";
import { findProjectRoot } from "../src/keys/project-root.js";

const defaultOutDir = join(findProjectRoot(dirname(fileURLToPath(import.meta.url))), "keys");

/** A path as short as it can be read from the current folder. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

function rsaBits(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < MIN_RSA_BITS) {
    throw new InvalidArgumentError(`must be an integer of at least ${MIN_RSA_BITS}`);
  }
  return bits;
}

const program = new Command()
  .name("make-keys")
  .description("Generate the example RS384 (RSA) and ES384 (P-384) signing keys the notebooks use.")
  .addOption(
    new Option("-o, --out-dir <dir>", "folder to write the key files to").default(defaultOutDir, "keys/ in the project root"),
  )
  .option("--rsa-bits <bits>", `RSA modulus length (at least ${MIN_RSA_BITS})`, rsaBits, MIN_RSA_BITS)
  .option("-f, --force", "overwrite existing key files", false)
  .addHelpText(
    "after",
    `
Writes RS384.private.json, RS384.public.json, ES384.private.json and ES384.public.json:
JWK sets as in the SMART App Launch examples. A private file holds the public key
(key_ops ["verify"]) and the private key (key_ops ["sign"]); a public file holds only
the public key. Each kid is the key's RFC 7638 SHA-256 thumbprint.

These are EXAMPLE keys: they are published with the examples (files are written
world-readable, mode 0644). Never use them to protect anything real.`,
  )
  .showHelpAfterError();

program.parse();
const opts = program.opts<{ outDir: string; rsaBits: number; force: boolean }>();

try {
  const written = await makeKeys({ outDir: resolve(opts.outDir), force: opts.force, rsaBits: opts.rsaBits });
  for (const path of written) console.log(`wrote ${shown(path)}`);
} catch (error) {
  if (error instanceof KeyFileExistsError) {
    console.error(`make-keys: ${shown(error.path)} already exists; pass --force to overwrite it`);
    process.exit(1);
  }
  throw error;
}
