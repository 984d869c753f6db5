import { Dealer, Subscriber } from "zeromq";
import { endpoint, type ConnectionInfo } from "./connection.js";
import type { JupyterMessage } from "./messages.js";
import { decodeMessage, encodeMessage, type DecodeOptions } from "./wire.js";

export type ReplyChannel = "shell" | "control";

export interface ChannelEvents {
  message(channel: ReplyChannel | "iopub", msg: JupyterMessage): void;
  /** A message that could not be decoded or verified; it is dropped. */
  rejected(channel: ReplyChannel | "iopub", error: Error): void;
}

/**
 * The client's ZeroMQ sockets. Shell and control are DEALERs (the kernel's ROUTERs reply to
 * them), iopub a SUBSCRIBER to everything. stdin is left unconnected: a build never answers
 * input, and without a connected stdin socket the kernel knows input is not allowed.
 */
export class Channels {
  private readonly key: Buffer;
  // Over ipc the client connects once the kernel has bound (sockets-bound.ts); over tcp it
  // cannot know, so it retries every few milliseconds rather than libzmq's default 100 ms.
  private readonly shell = new Dealer({ linger: 0, reconnectInterval: 5 });
  private readonly control = new Dealer({ linger: 0, reconnectInterval: 5 });
  // No high-water mark: a SUB socket drops what is over it, silently; --max-output bounds it.
  private readonly iopub = new Subscriber({ linger: 0, reconnectInterval: 5, receiveHighWaterMark: 0 });
  private closed = false;

  constructor(
    info: ConnectionInfo,
    private readonly events: ChannelEvents,
    private readonly decode: DecodeOptions = {},
    ipcSeparator: ":" | "-" = ":",
  ) {
    this.key = Buffer.from(info.key, "utf8");
    this.shell.connect(endpoint(info, "shell", ipcSeparator));
    this.control.connect(endpoint(info, "control", ipcSeparator));
    this.iopub.connect(endpoint(info, "iopub", ipcSeparator));
    this.iopub.subscribe();
    void this.receive("shell", this.shell);
    void this.receive("control", this.control);
    void this.receive("iopub", this.iopub);
  }

  async send(channel: ReplyChannel, msg: JupyterMessage<unknown>): Promise<void> {
    const socket = channel === "shell" ? this.shell : this.control;
    await socket.send(encodeMessage(msg, this.key));
  }

  private async receive(channel: ReplyChannel | "iopub", socket: Dealer | Subscriber): Promise<void> {
    try {
      for await (const frames of socket) {
        let msg: JupyterMessage;
        try {
          msg = decodeMessage(frames, this.key, this.decode);
        } catch (e) {
          this.events.rejected(channel, e as Error);
          continue;
        }
        this.events.message(channel, msg);
      }
    } catch (e) {
      // Closing a socket ends its iterator with an error; anything else is worth reporting.
      if (!this.closed) this.events.rejected(channel, e as Error);
    }
  }

  close(): void {
    this.closed = true;
    for (const socket of [this.shell, this.control, this.iopub]) socket.close();
  }
}
