// Local changes that the server has not acknowledged yet.
//
// One "change" is one local Yjs transaction (a keystroke, a paste, an undo): that is what the
// status line counts ("Offline — 3 changes not saved yet"). Changes are first buffered, then
// sealed into batches (one merged update each) that are sent and kept until their ack says ok.
// A batch knows which connection it was last sent on ("generation"), so after a reconnect
// everything not acknowledged is sent again; the server acknowledges duplicates without storing
// them twice, so resending is always safe.
import * as Y from "yjs";

// Well under the server's COLLAB_MAX_UPDATE_BYTES (1.5 MiB) so a merged resend is never refused.
const MAX_BATCH_BYTES = 128 * 1024;

export class Outbox {
  constructor() {
    this.buffer = []; // updates not yet sealed into a batch
    this.batches = new Map(); // id → {id, update, count, sentOn}
    this.nextId = 1;
  }

  /** Changes not yet acknowledged (buffered or sent). */
  get count() {
    let total = this.buffer.length;
    for (const batch of this.batches.values()) total += batch.count;
    return total;
  }

  push(update) {
    this.buffer.push(update);
  }

  /** Seal the buffer into one batch (if there is anything buffered). */
  seal() {
    if (!this.buffer.length) return;
    this._add(this.buffer.map((update) => ({ update, count: 1 })));
    this.buffer = [];
  }

  /**
   * Everything not acknowledged, merged into as few batches as the size limit allows. Used after a
   * reconnect: a long offline spell becomes a few messages, not hundreds (the server rate-limits).
   */
  consolidate() {
    const parts = [...this.batches.values(), ...this.buffer.map((update) => ({ update, count: 1 }))];
    this.batches.clear();
    this.buffer = [];
    let group = [];
    let size = 0;
    for (const part of parts) {
      if (group.length && size + part.update.length > MAX_BATCH_BYTES) {
        this._add(group);
        group = [];
        size = 0;
      }
      group.push(part);
      size += part.update.length;
    }
    if (group.length) this._add(group);
  }

  /** Batches not yet sent on this connection. */
  unsent(generation) {
    return [...this.batches.values()].filter((batch) => batch.sentOn !== generation);
  }

  ids() {
    return [...this.batches.keys()];
  }

  acknowledge(ids) {
    for (const id of ids) this.batches.delete(id);
  }

  /** Send this batch again on the next opportunity (its send failed or was refused). */
  retry(id) {
    const batch = this.batches.get(id);
    if (batch) batch.sentOn = null;
  }

  _add(parts) {
    const update = parts.length === 1 ? parts[0].update : Y.mergeUpdates(parts.map((part) => part.update));
    const count = parts.reduce((sum, part) => sum + part.count, 0);
    const id = this.nextId++;
    this.batches.set(id, { id, update, count, sentOn: null });
  }
}
