/**
 * Whether this process may make warm-kernel snapshots, and the ones it is making. A build that
 * holds the project's build lock may (so two builds never make the same one, and `--check`, which
 * writes nothing, never does); the build waits for them before it lets the lock go. Kept apart
 * from warm-start.ts so the CLI can allow and settle without loading the snapshot code on a
 * no-op build.
 */
let allowed = false;
const pending = new Set<Promise<void>>();

export function allowSnapshotMaking(): void {
  allowed = true;
}

export function snapshotMakingAllowed(): boolean {
  return allowed;
}

export function trackSnapshot(making: Promise<void>): void {
  pending.add(making);
  void making.finally(() => pending.delete(making));
}

/** Waits for the snapshots being made, at most `ms`; a snapshot still unfinished then is killed on exit. */
export async function settleSnapshots(ms: number): Promise<void> {
  if (pending.size === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref())),
  ]);
  clearTimeout(timer);
}
