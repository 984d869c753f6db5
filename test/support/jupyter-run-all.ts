// Run All through a running Jupyter server, as its page does, then save: for each notebook named,
// a session, every code cell executed in turn over the kernel's websocket (stop on an error the
// cell is not tagged for), the outputs put into the notebook, the notebook saved through the
// contents API. Run as a child: `node --experimental-websocket` (Node 20 has no WebSocket
// without it). Arguments: base URL, token, notebook paths. Prints one JSON line per notebook.
interface Message {
  header: { msg_type: string };
  parent_header: { msg_id?: string };
  content: Record<string, unknown>;
}
interface Cell {
  cell_type: string;
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Record<string, unknown>[];
  execution_count?: number | null;
}

const [base, token, ...paths] = process.argv.slice(2) as [string, string, ...string[]];

async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`${base}${path}?token=${token}`, {
    method: init.method ?? "GET",
    headers: { "Content-Type": "application/json" },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

for (const path of paths) {
  const nb = (await api<{ content: { cells: Cell[] } }>(`/api/contents/${path}`)).content;
  const session = await api<{ id: string; kernel: { id: string } }>("/api/sessions", { method: "POST", body: { path, type: "notebook", name: path, kernel: { name: "tslab" } } });
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/kernels/${session.kernel.id}/channels?session_id=run-all&token=${token}`);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const handlers = new Map<string, (m: Message) => void>();
  ws.onmessage = (event: MessageEvent) => {
    const m = JSON.parse(String(event.data)) as Message;
    handlers.get(m.parent_header.msg_id ?? "")?.(m);
  };
  let failed: string | undefined;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code" || failed) continue;
    const msgId = crypto.randomUUID();
    const outputs: Record<string, unknown>[] = [];
    const reply = await new Promise<Record<string, unknown>>((resolve) => {
      let idle = false;
      let content: Record<string, unknown> | undefined;
      handlers.set(msgId, (m) => {
        const c = m.content;
        const last = outputs.at(-1);
        switch (m.header.msg_type) {
          case "stream":
            // The page appends to the previous output of the same stream.
            if (last?.output_type === "stream" && last.name === c.name) last.text = String(last.text) + String(c.text);
            else outputs.push({ output_type: "stream", name: c.name, text: c.text });
            break;
          case "execute_result":
            outputs.push({ output_type: "execute_result", data: c.data, metadata: c.metadata, execution_count: c.execution_count });
            break;
          case "display_data":
            outputs.push({ output_type: "display_data", data: c.data, metadata: c.metadata });
            break;
          case "error":
            outputs.push({ output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback });
            break;
          case "status":
            idle = c.execution_state === "idle";
            break;
          case "execute_reply":
            content = c;
            break;
        }
        if (idle && content) resolve(content);
      });
      const source = Array.isArray(cell.source) ? cell.source.join("") : cell.source;
      ws.send(JSON.stringify({
        header: { msg_id: msgId, msg_type: "execute_request", username: "", session: "run-all", date: new Date().toISOString(), version: "5.3" },
        parent_header: {},
        metadata: {},
        content: { code: source, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: "shell",
        buffers: [],
      }));
    });
    handlers.delete(msgId);
    cell.outputs = outputs;
    cell.execution_count = reply.execution_count as number;
    if (reply.status !== "ok" && !(cell.metadata.tags ?? []).includes("raises-exception")) failed = `${String(reply.ename)}: ${String(reply.evalue)}`;
  }
  ws.close();
  await api(`/api/contents/${path}`, { method: "PUT", body: { type: "notebook", format: "json", content: nb } });
  await api(`/api/sessions/${session.id}`, { method: "DELETE" });
  process.stdout.write(`${JSON.stringify({ path, failed: failed ?? null })}\n`);
}
