/** Jupyter messaging protocol 5.3 shapes, as far as this client uses them. */

export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  /** ZeroMQ routing prefix (ROUTER/DEALER identities), before the `<IDS|MSG>` delimiter. */
  identities: Buffer[];
  header: MessageHeader;
  /** Empty object when the message answers nothing. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
  /** Not part of the protocol: characters of stream text counted but not decoded (see wire.ts). */
  omittedLength?: number;
}

export interface ExecuteReplyContent {
  status: "ok" | "error" | "abort" | "aborted";
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

export interface KernelInfoReplyContent {
  protocol_version?: string;
  implementation?: string;
  implementation_version?: string;
  language_info?: { name: string; [key: string]: unknown };
  banner?: string;
}

export interface StatusContent {
  execution_state: "busy" | "idle" | "starting";
}
