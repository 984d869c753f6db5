/**
 * The watchdog of a sandboxed kernel, outside the sandbox. A kernel in a PID namespace of its own
 * cannot see the build (its pid is not in the namespace), so the kernel's own watchdog
 * (../watchdog.ts) cannot run there; and `--die-with-parent` ends bubblewrap itself when the build
 * is SIGKILLed, but not the namespace's init (the kernel refuses a parent-death signal to an
 * init), nor does it remove the connection folder. So a shell started beside bubblewrap, in its
 * process group, watches the build: when the build is gone it removes the kernel's folder and
 * kills the group, the sandbox's init with it, which ends every process in the sandbox.
 * It ignores SIGINT, which interrupts a cell; the build kills it with the group when the kernel ends.
 */

/** How often it looks for the build. */
export const SANDBOX_WATCHDOG_INTERVAL_MS = 500;

// $1 the build, $2 the process group (bubblewrap's pid), $3 the kernel's folder. The build is
// known by its pid and start time (field 22 of /proc/<pid>/stat, the 20th after "pid (comm) "),
// so a reused pid is not taken for it.
const SCRIPT = `
trap '' INT
build=$1 group=$2 dir=$3
{ IFS= read -r line < /proc/$build/stat; } 2>/dev/null || line=
set -- \${line##*) } x x x x x x x x x x x x x x x x x x x x
shift 19
started=$1
[ -n "$started" ] || exit 0
while :; do
  { IFS= read -r line < /proc/$build/stat; } 2>/dev/null || break
  set -- \${line##*) } x x x x x x x x x x x x x x x x x x x x
  shift 19
  [ "$1" = "$started" ] || break
  sleep __INTERVAL__
done
[ -n "$dir" ] && rm -rf -- "$dir"
kill -KILL -- "-$group" 2>/dev/null
`.replace("__INTERVAL__", String(SANDBOX_WATCHDOG_INTERVAL_MS / 1000));

/**
 * The command that starts a sandboxed kernel: a shell starts the watchdog in the background
 * (its script from the environment, which bubblewrap then does not pass on), then becomes
 * bubblewrap (exec), so the kernel's process is bubblewrap and the watchdog its child.
 */
const WRAPPER = '( set -- "$1" "$$" "$2"; eval "$DOCS_SANDBOX_WATCHDOG" ) </dev/null >/dev/null 2>&1 & unset DOCS_SANDBOX_WATCHDOG; shift 2; exec "$@"';

export function sandboxCommand(buildPid: number, kernelDir: string, bwrapArgv: readonly string[]): { argv: string[]; env: Record<string, string> } {
  return {
    argv: ["/bin/sh", "-c", WRAPPER, "docs-sandboxed-kernel", String(buildPid), kernelDir, ...bwrapArgv],
    env: { DOCS_SANDBOX_WATCHDOG: SCRIPT },
  };
}
