// The round page's countdown (templates/consultations/_countdown.html). Progressive enhancement:
// without it the page shows the time left when it was served, and the server refuses anything
// sent after the close whatever this script shows. With it, the time left counts down, and at the
// closing time the page says "Comments are now closed for this round" (once, politely, to screen
// readers) and its comment and answer forms are withdrawn.
"use strict";

(() => {
  function text(ms) {
    const seconds = Math.floor(ms / 1000);
    if (seconds <= 0) return "no time";
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const parts = [[days, "day"], [hours, "hour"], [minutes, "minute"]]
      .filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}${n === 1 ? "" : "s"}`).slice(0, 2);
    if (parts.length) return parts.join(", ");
    return seconds === 1 ? "1 second" : `${seconds} seconds`;
  }

  function close(root) {
    root.querySelector("[data-countdown-left]").closest("p").hidden = true;
    root.querySelector("[data-countdown-closed]").hidden = false;
    document.querySelectorAll("template[data-comment-form]").forEach((t) => t.remove());
    const forms = "form[action$='/answers'] button[type=submit], .comment-reply button[type=submit]";
    document.querySelectorAll(forms).forEach((button) => { button.disabled = true; });
    document.querySelectorAll("[data-comments]").forEach((el) => { el.dataset.canComment = "false"; });
  }

  function start(root) {
    const closes = Date.parse(root.dataset.closesAt);
    const left = root.querySelector("[data-countdown-left]");
    if (Number.isNaN(closes) || !left) return;
    const step = () => {
      const ms = closes - Date.now();
      if (ms <= 0) return close(root);
      left.textContent = text(ms);
      setTimeout(step, ms < 120000 ? 1000 : 15000);
    };
    step();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-countdown]").forEach(start);
  });
})();
