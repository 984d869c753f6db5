/** Where the warm start says why a kernel started cold; the CLI prints it under --verbose. */
let sink: (line: string) => void = () => undefined;

export function onWarmStartNotice(next: (line: string) => void): void {
  sink = next;
}

export function warmStartNotice(line: string): void {
  sink(line);
}
