import { kernelEnvironment } from "./environment.js";
import { mountArguments } from "./mounts.js";
import { mountPlan } from "./plan.js";
import { probeSandbox, type Probe } from "./probe.js";
import { sandboxCommand } from "./watchdog.js";

/** A kernel's command and environment, as they are started. */
export interface KernelLaunch {
  argv: string[];
  env: Record<string, string>;
}

/** What confines one kernel: its command line wrapped, its environment chosen. */
export interface Confinement {
  /**
   * The command that starts `command` confined, in `cwd`, sharing `connectionDir` with the
   * build; `profileEnv` is what the kernel's profile and the build set for it.
   */
  wrap(command: readonly string[], profileEnv: Readonly<Record<string, string>>, cwd: string, connectionDir: string): KernelLaunch;
}

export interface SandboxSettings {
  projectRoot: string;
  /** Files and folders outside the project every kernel may read (the --keys folder, say). */
  readOnly?: readonly string[];
  /** Variables of the build's environment the kernels get (--pass-env). */
  passEnv?: readonly string[];
  /** The build's environment (default: this process's). */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Every kernel of a build in bubblewrap (see README, "The kernel sandbox"): the system and the
 * project read-only, .git and $HOME hidden, /tmp private, a network of its own with only a
 * loopback, a PID namespace, an environment from an allowlist. `ready()` says whether it starts
 * here (tried once a process); where it does not, `confinement()` is undefined and kernels run
 * as without a sandbox.
 */
export class KernelSandbox {
  private probe: Promise<Probe> | undefined;

  constructor(private readonly settings: SandboxSettings) {}

  /** The same sandbox, for one notebook, with more paths readable (its parameters' files). */
  withReadOnly(paths: readonly string[]): KernelSandbox {
    if (paths.length === 0) return this;
    const next = new KernelSandbox({ ...this.settings, readOnly: [...(this.settings.readOnly ?? []), ...paths] });
    next.probe = this.probe;
    return next;
  }

  /** Whether the sandbox starts on this machine, and why not. */
  ready(): Promise<Probe> {
    return (this.probe ??= probeSandbox(this.settings.env ?? process.env));
  }

  /**
   * The confinement for a kernel that reads `kernelPaths` besides the system (its program's
   * install, its kernelspec folder); undefined when the sandbox does not start here.
   */
  async confinement(kernelPaths: readonly string[]): Promise<Confinement | undefined> {
    const probe = await this.ready();
    if (!probe.ok) return undefined;
    const settings = this.settings;
    const env = settings.env ?? process.env;
    return {
      wrap(command, profileEnv, cwd, connectionDir) {
        const plan = mountPlan({
          projectRoot: settings.projectRoot,
          readOnly: [...(settings.readOnly ?? []), ...kernelPaths],
          cwd,
          connectionDir,
          home: env.HOME,
        });
        // The kernel's parent, as the kernel sees it, is the sandbox's init (pid 1), which ends
        // with the sandbox: ipykernel then starts no parent poller (it would take pid 1 for an exit).
        const kernelEnv = kernelEnvironment({ from: env, profile: profileEnv, passEnv: settings.passEnv ?? [], build: { JPY_PARENT_PID: "1" } });
        const wrapped = sandboxCommand(process.pid, connectionDir, [probe.bwrap, ...mountArguments(plan), "--", ...command]);
        return { argv: wrapped.argv, env: { ...kernelEnv, ...wrapped.env } };
      },
    };
  }
}
