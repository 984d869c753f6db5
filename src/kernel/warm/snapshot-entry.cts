// The script of a tslab kernel that starts warm. It runs twice:
//  1. under `node --build-snapshot`, in the notebook's folder: it loads tslab and TypeScript and
//     builds tslab's converter (the TypeScript watch program, most of a kernel's start), and V8
//     saves the heap;
//  2. in each kernel started with `node --snapshot-blob`: the heap comes back with the converter
//     built, and start() does what tslab's own startKernel() does after building it.
// A snapshot builder can require only Node's built-in modules, so npm modules go through the
// small CommonJS loader below. Everything here follows tslab's dist/main.js of the version
// pinned in package.json; the snapshot's key includes the lock file that pins it.
// A script, not a module: the snapshot builder provides no `exports`. Hence the function around it.
(function warmKernel(): void {
const fs: typeof import("fs") = require("fs");
const path: typeof import("path") = require("path");
const v8: typeof import("v8") = require("v8");
const vm: typeof import("vm") = require("vm");
const Module: typeof import("module") = require("module");

interface LoadedModule {
  exports: unknown;
}

/** Modules loaded into the snapshot, by absolute file name. */
const loaded = new Map<string, LoadedModule>();
/** Set once the snapshot is deserialized: modules not in the snapshot then load through Node itself. */
let deserialized = false;

function isFile(file: string): boolean {
  return fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

function resolveDirectory(dir: string): string | undefined {
  const manifest = path.join(dir, "package.json");
  const main = isFile(manifest) ? (JSON.parse(fs.readFileSync(manifest, "utf8")) as { main?: string }).main : undefined;
  return resolveFile(path.join(dir, main ?? "index.js")) ?? (main ? resolveFile(path.join(dir, "index.js")) : undefined);
}

function resolveFile(file: string): string | undefined {
  for (const candidate of [file, `${file}.js`, `${file}.json`]) if (isFile(candidate)) return candidate;
  return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() ? resolveDirectory(file) : undefined;
}

/** Node's lookup of a bare name: node_modules folders from `dir` upwards. */
function resolvePackage(dir: string, id: string): string | undefined {
  const parts = id.split("/");
  const nameLength = id.startsWith("@") ? 2 : 1;
  const name = parts.slice(0, nameLength).join("/");
  const rest = parts.slice(nameLength).join("/");
  for (let at = dir; ; at = path.dirname(at)) {
    const packageDir = path.join(at, "node_modules", name);
    if (path.basename(at) !== "node_modules" && fs.existsSync(packageDir)) {
      return rest ? resolveFile(path.join(packageDir, rest)) : resolveDirectory(packageDir);
    }
    if (path.dirname(at) === at) return undefined;
  }
}

function requireFor(file: string): NodeJS.Require {
  const dir = path.dirname(file);
  const requireIt = (id: string): unknown => {
    if (Module.isBuiltin(id)) return require(id);
    const target = id.startsWith(".") || path.isAbsolute(id) ? resolveFile(path.resolve(dir, id)) : resolvePackage(dir, id);
    const known = target === undefined ? undefined : loaded.get(target);
    if (known) return known.exports;
    // zeromq (a native addon) and anything a notebook asks for later are loaded by Node itself.
    if (deserialized) return Module.createRequire(file)(id);
    if (target === undefined) throw new Error(`warm kernel: cannot find "${id}" from ${file}`);
    return load(target);
  };
  return requireIt as NodeJS.Require;
}

function load(file: string): unknown {
  const module: LoadedModule = { exports: {} };
  loaded.set(file, module);
  const source = fs.readFileSync(file, "utf8");
  if (file.endsWith(".json")) {
    module.exports = JSON.parse(source);
    return module.exports;
  }
  // The same parameters and file name as Node's own CommonJS wrapper, so stack traces match.
  const body = vm.compileFunction(source.startsWith("#!") ? `//${source.slice(2)}` : source, ["exports", "require", "module", "__filename", "__dirname"], { filename: file });
  body.call(module.exports, module.exports, requireFor(file), module, file, path.dirname(file));
  return module.exports;
}

/**
 * File and folder watchers are handles, which a snapshot cannot hold: while the snapshot is
 * built they are recorded, and the kernel opens them when it starts, as a cold tslab would.
 */
interface Watcher {
  close(): void;
}
interface Sys {
  watchFile?: (...args: unknown[]) => Watcher;
  watchDirectory?: (...args: unknown[]) => Watcher;
}
const pendingWatchers: (() => void)[] = [];

function deferWatchers(sys: Sys): void {
  for (const name of ["watchFile", "watchDirectory"] as const) {
    const real = sys[name];
    if (!real) continue;
    sys[name] = (...args: unknown[]): Watcher => {
      if (deserialized) return real.apply(sys, args);
      let opened: Watcher | undefined;
      let closed = false;
      pendingWatchers.push(() => {
        if (!closed) opened = real.apply(sys, args);
      });
      return {
        close: () => {
          closed = true;
          opened?.close();
        },
      };
    };
  }
}

interface Converter {
  close(): void;
}

/** Cells that touch much of TypeScript's checker: modules, classes, generics, async code, errors. */
const WARM_UP_CELLS = [
  'import * as fs from "node:fs";\nimport * as path from "node:path";\nimport * as http from "node:http";\nimport * as crypto from "node:crypto";\nimport { Buffer } from "node:buffer";',
  "interface Claims { iss: string; sub: string; aud: string | string[]; exp: number; jti?: string; [key: string]: unknown }\n" +
    "type Alg = \"RS384\" | \"ES384\";\nconst ALGS: readonly Alg[] = [\"RS384\", \"ES384\"];\n" +
    "function pick<T extends object, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> { return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>; }\n" +
    "class Refusal extends Error { constructor(readonly code: string, message: string) { super(message); } get status(): number { return this.code === \"invalid_client\" ? 401 : 400; } }\n" +
    "const b64 = (s: string): string => Buffer.from(s, \"utf8\").toString(\"base64url\");\n" +
    "async function post(url: URL, form: URLSearchParams): Promise<{ status: number; body: Record<string, unknown> }> { const res = await fetch(url, { method: \"POST\", body: form }); return { status: res.status, body: (await res.json()) as Record<string, unknown> }; }\n" +
    "const claims: Claims = { iss: \"a\", sub: \"a\", aud: [\"b\"], exp: Math.floor(Date.now() / 1000) + 300 };\n" +
    "const map = new Map<string, Claims[]>(); map.set(claims.iss, [claims]);\n" +
    "const digest = crypto.createHash(\"sha256\").update(JSON.stringify(pick(claims, \"iss\", \"exp\"))).digest(\"hex\");\n" +
    "const server = http.createServer((req, res) => { res.writeHead(200, { \"content-type\": \"application/json\" }); res.end(JSON.stringify({ ok: true, digest })); });\n" +
    "const files = fs.readdirSync(path.join(\".\")).filter((f) => f.endsWith(\".json\")).map((f) => ({ f, size: fs.statSync(f).size }));\n" +
    "for (const [k, v] of map) for (const c of v) if (typeof c.aud === \"string\") console.log(k, c.aud); else console.log(k, c.aud.join(\" \"));\n" +
    "ALGS.includes(\"RS384\") ? b64(digest) : new Refusal(\"invalid_client\", \"no\").status;",
  "const later = await Promise.all([1, 2, 3].map(async (n) => n * 2));\nlater.reduce((a, b) => a + b, 0)",
  // A JOSE library, as the notebooks here use (where the folder has none, the cell reports it and the rest is warm).
  'import * as jose from "jose";\nconst { privateKey, publicKey } = await jose.generateKeyPair("ES384", { extractable: true });\n' +
    'const jwt = await new jose.SignJWT({ scope: "system/*.rs" }).setProtectedHeader({ alg: "ES384", typ: "JWT", kid: "k" }).setIssuer("a").setSubject("a").setAudience("b").setExpirationTime("5m").setJti("1").sign(privateKey);\n' +
    'const { payload, protectedHeader } = await jose.jwtVerify(jwt, publicKey, { algorithms: ["ES384"], audience: "b" });\n' +
    'const jwks: jose.JSONWebKeySet = { keys: [await jose.exportJWK(publicKey)] };\njose.decodeJwt(jwt).exp! > 0 && payload.iss === protectedHeader.kid && jwks.keys.length === 1',
];
interface TslabModules {
  converter: { createConverter(options: { isJS: boolean; isBrowser: boolean }): Converter };
  executor: { createExecutor(rootDir: string, convs: unknown, log: { log: (...args: unknown[]) => void; error: (...args: unknown[]) => void }): { interrupt(): void } };
  jupyter: {
    JupyterHandlerImpl: new (executor: unknown, isJS: boolean) => unknown;
    ZmqServer: new (handler: unknown, configPath: string) => { init(): Promise<void> };
  };
}

/** Step 1, under --build-snapshot: argv[2] is tslab's package folder, the working directory the notebook's. */
function build(): void {
  const tslabDir = process.argv[2];
  if (!tslabDir) throw new Error("warm kernel: tslab's folder is missing");
  const typescript = resolvePackage(path.join(tslabDir, "dist"), "@tslab/typescript-for-tslab");
  if (!typescript) throw new Error("warm kernel: tslab's TypeScript is missing");
  deferWatchers((load(typescript) as { sys: Sys }).sys);
  const tslab: TslabModules = {
    converter: load(path.join(tslabDir, "dist", "converter.js")) as TslabModules["converter"],
    executor: load(path.join(tslabDir, "dist", "executor.js")) as TslabModules["executor"],
    jupyter: load(path.join(tslabDir, "dist", "jupyter.js")) as TslabModules["jupyter"],
  };
  // What notebooks import as "tslab" (display), from the same modules as the kernel's.
  load(path.join(tslabDir, "dist", "public.js"));
  const builtIn = process.cwd();
  const node = tslab.converter.createConverter({ isJS: false, isBrowser: false });
  warmUpChecker(tslab);
  v8.startupSnapshot.setDeserializeMainFunction(() => start(tslab, node, builtIn, path.join(tslabDir, "bin", "tslab")));
}

/**
 * What a kernel started from a snapshot lacks against a cold one (compared in warm-start.test):
 * `node --build-snapshot` leaves Error.stackTraceLimit unset, so errors would print without a
 * stack; and there is no main module, so `require.main` would be undefined in a cell.
 */
function restoreWhatASnapshotDrops(tslabBin: string): void {
  if (typeof Error.stackTraceLimit !== "number") {
    // V8's default, unless the kernel was started with its own --stack-trace-limit.
    const flag = process.execArgv.find((a) => a.startsWith("--stack-trace-limit="));
    Error.stackTraceLimit = flag ? Number(flag.slice("--stack-trace-limit=".length)) : 10;
  }
  if (!process.mainModule) {
    const ModuleClass = Module as unknown as { new (id: string, parent: null): NodeJS.Module; _nodeModulePaths(dir: string): string[] };
    const main = new ModuleClass(".", null);
    main.filename = tslabBin;
    main.loaded = true;
    main.paths = ModuleClass._nodeModulePaths(path.dirname(tslabBin));
    process.mainModule = main;
  }
}

/**
 * Type-checks a sample of TypeScript in a converter of its own, then drops it: V8 compiles
 * TypeScript's checker lazily, function by function, and a kernel's first cells paid for that.
 * The kernel's own converter is untouched (what it has seen decides what a cell prints).
 */
function warmUpChecker(tslab: TslabModules): void {
  const watchers = pendingWatchers.length;
  let sample: (Converter & { convert(prevDecl: string, src: string): { declOutput?: string } }) | undefined;
  try {
    sample = tslab.converter.createConverter({ isJS: false, isBrowser: false }) as typeof sample & object;
    let decls = "";
    for (const cell of WARM_UP_CELLS) decls = sample.convert(decls, cell).declOutput ?? decls;
  } catch (e) {
    // Only speed is lost: the snapshot is made without the warm-up.
    process.stderr.write(`warm kernel: checker warm-up skipped: ${(e as Error).message}\n`);
  } finally {
    sample?.close();
    // Its file watchers were recorded to be opened at the kernel's start: not this converter's.
    pendingWatchers.splice(watchers);
  }
}

/** Step 2, in the kernel started as `node --snapshot-blob <blob> tslab kernel --config-path <file>`: what tslab's startKernel() does. */
function start(tslab: TslabModules, node: Converter, builtIn: string, tslabBin: string): void {
  deserialized = true;
  const at = process.argv.indexOf("--config-path");
  const configPath = at > 0 && process.argv[2] === "kernel" ? process.argv[at + 1] : undefined;
  if (!configPath || process.cwd() !== builtIn) {
    // The converter's rootDir is the folder it was built in; anywhere else it would be wrong.
    process.stderr.write(`warm kernel: built for ${builtIn}, started in ${process.cwd()}\n`);
    process.exit(3);
  }
  // What a notebook sees is what a cold kernel would show: tslab's script, not the word "tslab".
  process.argv[1] = tslabBin;
  restoreWhatASnapshotDrops(tslabBin);
  // A process the notebook forks must not start from the snapshot too.
  process.execArgv.splice(0);
  // A snapshot ignores --import, so the parent watchdog a cold kernel preloads starts here
  // (src/kernel/watchdog.ts): it ends the kernel when the build that started it is gone.
  const watchdog = process.env.DOCS_WATCHDOG_SCRIPT;
  const parent = Number(process.env.JPY_PARENT_PID);
  if (watchdog && parent > 0) {
    const { spawn } = require("node:child_process") as typeof import("node:child_process");
    // The same command line as the preload's (WATCHDOG_COMMAND): the script is in the environment.
    spawn("/bin/sh", ["-c", 'eval "$DOCS_WATCHDOG_SCRIPT"', "docs-kernel-watchdog", String(parent), String(process.pid), process.env.DOCS_KERNEL_DIR || ""], { stdio: "ignore" }).unref();
  }
  for (const open of pendingWatchers.splice(0)) open();
  let browser: Converter | undefined;
  const convs = {
    node,
    get browser(): Converter {
      browser ??= tslab.converter.createConverter({ isJS: false, isBrowser: true });
      return browser;
    },
    close(): void {
      node.close();
      browser?.close();
    },
  };
  const executor = tslab.executor.createExecutor(process.cwd(), convs, { log: console.log, error: console.error });
  const server = new tslab.jupyter.ZmqServer(new tslab.jupyter.JupyterHandlerImpl(executor, false), configPath);
  process.on("SIGINT", () => executor.interrupt());
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));
  void server.init();
}

build();
})();
