/**
 * A parent watchdog for kernels that have none (tslab). The kernel's preload (`node --import`;
 * a warm kernel's own start, as its snapshot ignores --import) starts it as a small shell process
 * beside the kernel, in the kernel's process group, so a cell stuck in a synchronous loop does not
 * stop it. When the build that started the kernel is gone (the kernel was re-parented, or
 * JPY_PARENT_PID no longer exists, as after a SIGKILL), it ends the kernel's descendants (found
 * through /proc), removes the kernel's private folder, and kills the kernel's process group, the
 * kernel and itself included. When the kernel ends first, it ends too.
 * A shell, not a worker thread: a worker is a second V8 isolate, 10 MiB in a cold kernel, and in
 * a kernel started from a snapshot about 40 MiB, since it restores the snapshot's heap again.
 * Kernels that watch JPY_PARENT_PID themselves (ipykernel) get the same variable.
 */

/** How often the watchdog looks for the build: the kernel ends within about this long after the build dies. */
export const WATCHDOG_INTERVAL_MS = 500;

// $1 the build, $2 the kernel (this shell's parent), $3 the kernel's folder. SIGINT, which
// interrupts a cell and reaches the whole group, is ignored. A /proc/<pid>/stat line is
// "pid (comm) state ppid …", where comm may hold spaces and parentheses: fields are read after
// the last ") ".
const SCRIPT = `
trap '' INT
build=$1 kernel=$2 dir=$3
while :; do
  { IFS= read -r line < /proc/$$/stat; } 2>/dev/null || exit 0
  set -- \${line##*) }
  [ "$2" = "$kernel" ] || exit 0
  { IFS= read -r line < /proc/$kernel/stat; } 2>/dev/null || exit 0
  set -- \${line##*) }
  if [ "$2" = "$build" ] && kill -0 "$build" 2>/dev/null; then sleep __INTERVAL__; continue; fi
  table=
  for f in /proc/[0-9]*/stat; do
    { IFS= read -r line < "$f"; } 2>/dev/null || continue
    set -- \${line##*) }
    pid=\${f#/proc/}
    table="$table \${pid%/stat}:$2"
  done
  found=
  queue=$kernel
  while [ -n "$queue" ]; do
    set -- $queue
    parent=$1
    shift
    queue=$*
    for entry in $table; do
      [ "\${entry#*:}" = "$parent" ] || continue
      child=\${entry%%:*}
      case " $found " in *" $child "*) ;; *) found="$found $child"; queue="$queue $child" ;; esac
    done
  done
  for child in $found; do [ "$child" = "$$" ] || kill -KILL "$child" 2>/dev/null; done
  [ -n "$dir" ] && rm -rf -- "$dir"
  kill -KILL "$kernel" 2>/dev/null
  kill -KILL -- "-$kernel" 2>/dev/null
  exit 0
done
`.replace("__INTERVAL__", String(WATCHDOG_INTERVAL_MS / 1000));

/** The watchdog's command line: its script comes from the environment, so `ps` shows one short line. */
const WATCHDOG_COMMAND = 'eval "$DOCS_WATCHDOG_SCRIPT"';

// The preload only starts the watchdog whose script the environment carries (a short command
// line); a warm kernel, whose snapshot ignores --import, starts the same one itself.
const PRELOAD = `
import { spawn } from "node:child_process";
// Out of sight, as in a kernel Jupyter starts: a notebook sees (and forks with) none of the Node
// options the build started its kernel with (this preload, the profile's V8 flags).
process.execArgv.splice(0);
const script = process.env.DOCS_WATCHDOG_SCRIPT;
const parent = Number(process.env.JPY_PARENT_PID);
if (script && parent > 0) spawn("/bin/sh", ["-c", ${JSON.stringify(WATCHDOG_COMMAND)}, "docs-kernel-watchdog", String(parent), String(process.pid), process.env.DOCS_KERNEL_DIR || ""], { stdio: "ignore" }).unref();
`;

/** Node options that preload the watchdog, and the environment it reads. */
export function watchdog(parentPid: number, kernelDir: string): { execArgv: string[]; env: Record<string, string> } {
  return {
    execArgv: ["--import", `data:text/javascript,${encodeURIComponent(PRELOAD)}`],
    env: {
      JPY_PARENT_PID: String(parentPid),
      DOCS_KERNEL_DIR: kernelDir,
      DOCS_WATCHDOG_SCRIPT: SCRIPT,
    },
  };
}
