// The notifications bell: a light /notify Socket.IO client (docs/notifications.md, "The bell").
// The server sends {count} on connecting and whenever this person's notifications change; the
// link works without this script (it shows the count rendered with the page).
import { io } from "socket.io-client";

const ACK_TIMEOUT_MS = 10000;

function render(link, count) {
  const badge = link.querySelector("[data-bell-count]");
  const label = link.querySelector("[data-bell-label]");
  const n = Number.isInteger(count) && count > 0 ? count : 0;
  badge.textContent = n > 99 ? "99+" : String(n);
  badge.hidden = n === 0;
  label.textContent = n ? ` (${n} unread)` : "";
  link.dataset.unread = String(n);
}

function start() {
  const link = document.querySelector("[data-bell]");
  if (!link) return;
  const status = document.querySelector("[data-bell-status]");
  let shown = Number(link.querySelector("[data-bell-count]").textContent) || 0;
  const update = (count) => {
    if (!Number.isInteger(count)) return;
    if (count > shown && status) status.textContent = `${count} unread notification${count === 1 ? "" : "s"}`;
    shown = count;
    render(link, count);
  };
  const socket = io("/notify", { withCredentials: true, transports: ["websocket", "polling"], tryAllTransports: true });
  socket.on("unread", (msg) => update(msg && msg.count));
  socket.io.on("reconnect", () => {
    socket.timeout(ACK_TIMEOUT_MS).emit("count", {}, (err, ack) => {
      if (!err && ack && ack.ok) update(ack.unread);
    });
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
