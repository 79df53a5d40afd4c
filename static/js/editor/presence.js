// Presence ("who's here", cursors): our awareness state out, everyone else's in.
//
// The server relays awareness but never stores it (docs/realtime.md, "Presence"), so we send our
// state after joining and again whenever a client we have not seen appears: that is how a
// newcomer learns we are here without waiting for the 15 s renewal.
import * as awarenessProtocol from "y-protocols/awareness";

const SEND_MS = 100; // at most ~10 cursor messages a second (the server allows 20)

export class PresenceRelay {
  /** `send(data)` emits an awareness event; `canSend()` says whether we are joined. */
  constructor(awareness, { send, canSend }) {
    this.awareness = awareness;
    this.send = send;
    this.canSend = canSend;
    this.timer = null;
    awareness.on("update", (_changes, origin) => {
      if (origin === "local") this.announce(); // only our own state goes out
    });
    awareness.on("change", ({ added }, origin) => {
      if (origin === this && added.length) this.announce();
    });
  }

  /** Send our state soon (several calls within SEND_MS make one message). */
  announce() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.canSend() || this.awareness.getLocalState() === null) return;
      this.send(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.awareness.clientID]));
    }, SEND_MS);
  }

  receive(data) {
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, new Uint8Array(data), this);
    } catch {
      // A malformed cursor update is not worth interrupting anyone for.
    }
  }

  /** These clients left (peer-left); or, with no argument, forget everyone else (we went offline:
   * nobody else's cursor can be trusted while we cannot hear them; they come back on rejoin). */
  forget(clients = [...this.awareness.getStates().keys()]) {
    const others = (Array.isArray(clients) ? clients : []).filter((id) => id !== this.awareness.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}
