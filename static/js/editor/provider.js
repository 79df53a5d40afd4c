// Binds a Y.Doc and its Awareness to one document on the server's /collab Socket.IO namespace.
// The protocol is docs/realtime.md; this file follows it step by step:
//
//   connect → join {doc} → ack {ok, role, epoch, user}
//   → sync SyncStep1 → server: SyncStep2 (what we lack), SyncStep1 (its state vector)
//   → we answer with SyncStep2 (what it lacks: everything typed while offline)
//   local edits → batched 50–100 ms → sync Update, kept pending until the ack says ok
//
// Emits (lib0 Observable): "status" (after any change of phase or pending count), "synced"
// (first complete sync; the editor is created then), "role", "problem" (message for people),
// "reset" (reason: stop editing).
import * as syncProtocol from "y-protocols/sync";
import * as encoding from "lib0/encoding";
import * as decoding from "lib0/decoding";
import { Observable } from "lib0/observable";
import { io } from "socket.io-client";
import { Outbox } from "./outbox.js";
import { PresenceRelay } from "./presence.js";

const BATCH_MS = 75; // DESIGN §2: one commit covers several keystrokes
const ACK_TIMEOUT_MS = 10000;
const RETRY_MS = 1500; // after "rate_limited", or a join that failed for a passing reason

export class CollabProvider extends Observable {
  constructor(docId, ydoc, awareness, { url = "/collab" } = {}) {
    super();
    this.docId = docId;
    this.ydoc = ydoc;
    this.awareness = awareness;
    this.outbox = new Outbox();
    this.role = null;
    this.epoch = null;
    this.joined = false;
    this.synced = false; // this connection has completed its first sync
    this.everSynced = false;
    this.stopped = false;
    this.generation = 0; // one per connection, so pending batches know where they were sent
    this.timers = {};
    this.presence = new PresenceRelay(awareness, {
      send: (data) => this._ask("awareness", { doc: docId, data }), // best effort: never stored
      canSend: () => this.joined,
    });
    // WebSocket first (no sticky sessions needed for it); long-polling if a proxy blocks it.
    this.socket = io(url, {
      withCredentials: true, autoConnect: false, transports: ["websocket", "polling"], tryAllTransports: true,
    });
    this._bind();
  }

  connect() {
    this.socket.connect();
  }

  /** "connecting" before the first sync, then "online" or "offline"; "stopped" after a reset. */
  get phase() {
    if (this.stopped) return "stopped";
    if (!this.everSynced) return "connecting";
    return this.joined && this.synced ? "online" : "offline";
  }

  get pending() {
    return this.outbox.count;
  }

  stop() {
    this.stopped = true;
    for (const timer of Object.values(this.timers)) clearTimeout(timer);
    this.presence.stop();
    this.socket.disconnect();
    this._status();
  }

  // --- wiring -------------------------------------------------------------------------------

  _bind() {
    const on = (event, handler) => this.socket.on(event, (msg) => {
      if (!this.stopped && msg && msg.doc === this.docId) handler(msg);
    });
    this.socket.on("connect", () => this._join());
    this.socket.on("disconnect", () => this._offline());
    this.socket.on("connect_error", (error) => {
      // Refused by the server (bad session or token): Socket.IO will not retry on its own.
      if (error && error.message === "unauthorized") this._problem("You are not signed in any more. Reload the page.");
    });
    // The browser knows when the network is back: reconnect now rather than wait out the backoff.
    window.addEventListener("online", () => {
      if (this.stopped || this.socket.connected) return;
      this.socket.disconnect();
      this.socket.connect();
    });
    on("sync", (msg) => this._receiveSync(msg.data));
    on("awareness", (msg) => this.presence.receive(msg.data));
    on("peer-left", (msg) => this.presence.forget(msg.clients));
    on("reset", (msg) => this._reset(msg.reason));
    on("error", (msg) => this._problem(msg.error));
    this.ydoc.on("update", (update, origin) => this._localUpdate(update, origin));
  }

  /** Emit with an ack; resolves to the ack object, or {ok: false} on timeout or disconnect. */
  _ask(event, payload) {
    return new Promise((resolve) => {
      if (!this.socket.connected) return resolve({ ok: false, code: "offline" });
      this.socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => {
        resolve(err || !ack ? { ok: false, code: "offline" } : ack);
      });
    });
  }

  _later(name, fn, ms) {
    if (this.timers[name]) return;
    this.timers[name] = setTimeout(() => {
      delete this.timers[name];
      if (!this.stopped) fn();
    }, ms);
  }

  _status() {
    this.emit("status", [{ phase: this.phase, pending: this.pending, role: this.role }]);
  }

  _problem(message) {
    this.emit("problem", [message]);
  }

  // --- joining and syncing ------------------------------------------------------------------

  async _join() {
    const generation = ++this.generation;
    const ack = await this._ask("join", { doc: this.docId });
    if (generation !== this.generation || this.stopped) return;
    if (!ack.ok) {
      if (ack.code === "forbidden" || ack.code === "not_found" || ack.code === "unauthorized") {
        this._problem(ack.error);
        this.stop();
      } else if (ack.code !== "offline") {
        this._later("join", () => this.socket.connected && this._join(), RETRY_MS);
      }
      return;
    }
    // Another epoch means the server's history was replaced: syncing our old doc into it would
    // duplicate the text, so stop instead (docs/realtime.md, "reset").
    if (this.epoch !== null && ack.epoch !== this.epoch) return this._reset("epoch");
    this.epoch = ack.epoch;
    if (ack.role !== this.role) {
      this.role = ack.role;
      this.emit("role", [ack.role]);
    }
    this.joined = true;
    this.awareness.setLocalStateField("user", ack.user);
    const encoder = encoding.createEncoder();
    syncProtocol.writeSyncStep1(encoder, this.ydoc);
    const step1 = await this._ask("sync", { doc: this.docId, data: encoding.toUint8Array(encoder) });
    if (!step1.ok && step1.code !== "offline") this._problem(step1.error);
  }

  _receiveSync(data) {
    const decoder = decoding.createDecoder(new Uint8Array(data));
    const encoder = encoding.createEncoder();
    let type;
    try {
      // origin = this provider, so _localUpdate does not send the server's own changes back
      type = syncProtocol.readSyncMessage(decoder, encoder, this.ydoc, this);
    } catch {
      return this._problem("A change from the server could not be read. Reload the page.");
    }
    if (type === syncProtocol.messageYjsSyncStep1 && this.role === "editor") {
      this._answerStep1(encoding.toUint8Array(encoder));
    }
    if (type === syncProtocol.messageYjsSyncStep2 && !this.synced) {
      this.synced = true;
      const first = !this.everSynced;
      this.everSynced = true;
      if (first) this.emit("synced", [this.role]);
      this.presence.announce();
      this._status();
    }
  }

  /**
   * Our SyncStep2 holds everything the server lacks, so it is the resend of every pending change:
   * its ok ack settles all of them. If it is refused they stay pending (see _refused).
   */
  async _answerStep1(step2) {
    this.outbox.consolidate();
    const covered = this.outbox.ids();
    const generation = this.generation;
    for (const batch of this.outbox.unsent(generation)) batch.sentOn = generation;
    const ack = await this._ask("sync", { doc: this.docId, data: step2 });
    if (ack.ok) {
      this.outbox.acknowledge(covered);
    } else {
      this._refused(ack, covered);
    }
    this._status();
  }

  // --- local changes ------------------------------------------------------------------------

  _localUpdate(update, origin) {
    if (origin === this || this.stopped) return;
    this.outbox.push(update);
    this._later("batch", () => this._flush(), BATCH_MS);
    this._status();
  }

  _flush() {
    // Offline, changes stay buffered: the SyncStep2 answered after reconnecting carries them.
    if (!this.joined || !this.synced || this.role !== "editor") return;
    this.outbox.seal();
    this._sendPending();
  }

  _sendPending() {
    if (!this.joined || !this.synced || this.role !== "editor") return;
    for (const batch of this.outbox.unsent(this.generation)) this._send(batch);
  }

  async _send(batch) {
    batch.sentOn = this.generation;
    const encoder = encoding.createEncoder();
    syncProtocol.writeUpdate(encoder, batch.update);
    const ack = await this._ask("sync", { doc: this.docId, data: encoding.toUint8Array(encoder) });
    if (ack.ok) {
      this.outbox.acknowledge([batch.id]);
    } else {
      this._refused(ack, [batch.id]);
    }
    this._status();
  }

  /**
   * A refused change stays pending, to be sent again with the next change or connection. Only
   * "rate_limited" passes by itself, so only that is retried soon; "read_only" means we were
   * demoted, so the editor becomes read-only (what was typed stays visible, to copy).
   */
  _refused(ack, ids) {
    ids.forEach((id) => this.outbox.retry(id));
    if (ack.code === "offline") return;
    this._problem(ack.error);
    if (ack.code === "rate_limited") this._later("resend", () => this._sendPending(), RETRY_MS);
    if (ack.code === "read_only" && this.role === "editor") {
      this.role = "viewer";
      this.emit("role", [this.role]);
    }
  }

  _offline() {
    this.joined = false;
    this.synced = false;
    this.presence.forget();
    this._status();
  }

  _reset(reason) {
    this.stop();
    this.emit("reset", [reason]);
  }
}
