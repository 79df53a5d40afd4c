// A light /collab client for reading pages: join the document as a *watcher* and receive the
// server's "comment" events (docs/realtime.md). No Yjs here: a watcher never loads the live draft,
// so this bundle stays small and reading a page costs the server no live room.
import { io } from "socket.io-client";

const ACK_TIMEOUT_MS = 10000;

/**
 * onComment(msg) for each {doc, thread_id, comment_id, html} the server sent to *this* reader
 * (it renders and permission-checks every recipient separately); onRejoin() after a reconnection,
 * to catch up on what arrived while the connection was down; onState("joined" | "offline").
 */
export function watchComments(docId, { onComment, onRejoin, onState = () => {} }) {
  const socket = io("/collab", {
    withCredentials: true, transports: ["websocket", "polling"], tryAllTransports: true,
  });
  let joined = 0;
  socket.on("connect", () => {
    socket.timeout(ACK_TIMEOUT_MS).emit("join", { doc: docId, watch: true }, (err, ack) => {
      if (err || !ack || !ack.ok) return; // no access, or no answer: the page works without live comments
      joined += 1;
      onState("joined");
      if (joined > 1) onRejoin();
    });
  });
  socket.on("disconnect", () => onState("offline"));
  socket.on("comment", (msg) => {
    if (msg && msg.doc === docId && typeof msg.html === "string") onComment(msg);
  });
  return socket;
}
