/**
 * A sandboxed kernel's environment: an allowlist, not the build's environment minus some names.
 * A CI job's secrets (GITHUB_TOKEN, cloud credentials) live in the environment; a notebook that
 * could read them could print them onto a page.
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Names every kernel gets from the build's environment: the search path, the locale, the time zone, the (private) home. */
export const ALLOWED_NAMES: readonly string[] = ["PATH", "LANG", "LANGUAGE", "TZ", "HOME"];
/** The locale's categories (LC_ALL, LC_CTYPE, …). */
const LOCALE = /^LC_[A-Z_]+$/;

export interface KernelEnvironment {
  /** The build's environment, where allowed names are read from. */
  from: Env;
  /** What the kernel's profile sets (a kernelspec's `env`, tslab's own), over anything inherited. */
  profile: Readonly<Record<string, string>>;
  /** Names the user opted in with --pass-env. */
  passEnv: readonly string[];
  /** What the build itself sets for the kernel (JPY_PARENT_PID), over everything. */
  build: Readonly<Record<string, string>>;
}

/** The environment a sandboxed kernel starts with, and nothing else. */
export function kernelEnvironment(spec: KernelEnvironment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(spec.from)) {
    if (value !== undefined && (ALLOWED_NAMES.includes(name) || LOCALE.test(name))) out[name] = value;
  }
  for (const name of spec.passEnv) {
    const value = spec.from[name];
    if (value !== undefined) out[name] = value;
  }
  return { ...out, ...spec.profile, ...spec.build };
}

/** A name --pass-env accepts: what a shell can export. */
export function validEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}
