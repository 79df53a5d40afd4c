// Entry point: turns `[data-live-editor]` into a live CodeMirror editor (progressive enhancement).
//
// Without JavaScript the page keeps its plain form. With it, the plain form is hidden while the
// live editor connects; if the first sync has not happened within a few seconds, the live editor
// gives up and the plain form comes back with a message, so nobody is left without an editor.
//
// Data attributes on the container: data-doc (document id), data-mode ("edit" | "view").
import * as Y from "yjs";
import { Awareness } from "y-protocols/awareness";
import { watchThreads } from "./comments.js";
import { enableCommenting } from "./commenting.js";
import { CollabProvider } from "./provider.js";
import { createEditor } from "./editor.js";
import { renderWho, statusText } from "./ui.js";

const CONNECT_GRACE_MS = 5000;
const SAVE_WAIT_MS = 10000;

/**
 * This page's CSP nonce, which CodeMirror needs for the <style> elements it injects. It is read
 * from the `nonce` property of our own <script>: browsers blank the nonce *attribute* (so CSS
 * selectors cannot leak it) but keep the property for scripts; `document.currentScript` is null
 * in modules. Copying it into a data attribute would hand it back to CSS selectors.
 */
function cspNonce() {
  const own = [...document.scripts].find((script) => script.src === import.meta.url);
  return own ? own.nonce : "";
}

const RESET_MESSAGES = {
  access: "You can no longer edit this draft (your access changed or you were signed out). "
    + "The text stays here so you can copy anything you need; reload the page to continue.",
  epoch: "This draft was replaced on the server, so live editing stopped here. The text stays here "
    + "so you can copy anything you need; reload the page to continue.",
  deleted: "This document was deleted by a facilitator, so live editing stopped. The text stays here "
    + "so you can copy anything you need; nothing more can be saved to it.",
};

function start(root) {
  const part = (name) => root.querySelector(`[data-live-${name}]`);
  const plain = document.querySelector("[data-plain-editor]");
  const viewOnly = root.dataset.mode === "view";
  const ydoc = new Y.Doc();
  const ytext = ydoc.getText("markdown"); // the name every client agrees on (docs/realtime.md)
  const awareness = new Awareness(ydoc);
  const provider = new CollabProvider(Number(root.dataset.doc), ydoc, awareness);
  const statusLine = part("status");
  let editor = null;

  const canEdit = () => !viewOnly && provider.role === "editor" && !provider.stopped;

  function showProblem(message, { reload = false } = {}) {
    const box = part("problem");
    box.replaceChildren(message || "Something went wrong.");
    if (reload) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button-small";
      button.textContent = "Reload the page";
      button.addEventListener("click", () => window.location.reload());
      box.append(" ", button);
    }
    box.hidden = false;
  }

  function showAccess() {
    part("readonly").hidden = canEdit() || provider.stopped;
    const save = part("save");
    if (save) save.hidden = !canEdit();
    editor?.setReadOnly(!canEdit());
  }

  provider.on("status", (status) => {
    statusLine.textContent = statusText(status);
    root.dataset.phase = status.phase;
    // A refusal (rate limit, timeout…) is resolved once everything is saved: take its message away.
    if (status.phase === "online" && !status.pending) part("problem").hidden = true;
  });
  provider.on("synced", () => {
    const box = part("comments");
    const threads = box && watchThreads({ docId: Number(root.dataset.doc), getView: () => editor?.view, box, ydoc,
      provider, readUrl: box.dataset.readUrl });
    const onSelection = enableCommenting({ root, getView: () => editor?.view, onPosted: () => threads?.refresh() });
    editor = createEditor({
      parent: part("mount"),
      ytext,
      awareness,
      readOnly: !canEdit(),
      nonce: cspNonce(),
      describedBy: part("hint")?.id,
      onSelection,
    });
    showAccess();
    threads?.refresh();
    // Someone commented (here or on the reading page): the server sends each reader who may see it
    // a "comment" event (wiki/comments/events.py); fetch the threads again to mark it.
    provider.socket.on("comment", (msg) => { if (msg?.doc === Number(root.dataset.doc)) threads?.schedule(); });
  });
  provider.on("role", showAccess);
  provider.on("problem", (message) => showProblem(message));
  provider.on("reset", (reason) => {
    showAccess();
    showProblem(RESET_MESSAGES[reason] || RESET_MESSAGES.epoch, { reload: reason !== "deleted" });
  });
  awareness.on("change", () => renderWho(part("who"), awareness));

  setTimeout(() => {
    if (provider.everSynced || provider.stopped) return;
    provider.stop();
    if (plain) {
      root.hidden = true;
      plain.hidden = false;
      const note = document.createElement("p");
      note.className = "notice";
      note.setAttribute("role", "alert");
      note.textContent = "Live editing could not connect, so the plain form is shown instead. "
        + "Saving it merges your changes with everyone else's. Reload the page to try live editing again.";
      plain.prepend(note);
    } else {
      showProblem("The live draft could not be loaded.", { reload: true });
    }
  }, CONNECT_GRACE_MS);

  wireSaveForm(part("save"), provider, showProblem);
  part("plain")?.addEventListener("click", (event) => {
    if (!plain) return;
    plain.hidden = false;
    event.currentTarget.hidden = true;
    plain.querySelector("input:not([type=hidden]), textarea")?.focus();
  });
  window.addEventListener("beforeunload", (event) => {
    // Leaving with unacknowledged changes would lose them (they live only in this tab).
    if (provider.pending > 0 && !provider.stopped) event.preventDefault();
  });

  // A small hook for the browser tests: the text as CodeMirror shows it, the status line, and the
  // socket (to cut the connection).
  window.__collab = {
    text: () => (editor ? editor.view.state.doc.toString() : ytext.toString()),
    status: () => statusLine.textContent,
    socket: provider.socket,
    provider,
  };

  root.hidden = false;
  if (plain) plain.hidden = true;
  provider.connect();
}

/** "Save version" posts the live text as a revision — only once every change has reached the server. */
function wireSaveForm(form, provider, showProblem) {
  if (!form) return;
  form.addEventListener("submit", (event) => {
    if (provider.phase === "online" && provider.pending === 0) return;
    event.preventDefault();
    if (provider.phase !== "online") {
      showProblem("You are offline: your latest changes have not reached the server yet. "
        + "Save a version once the status says “Saved”.");
      return;
    }
    const started = Date.now();
    const check = () => {
      if (provider.phase === "online" && provider.pending === 0) return form.submit();
      if (Date.now() - started > SAVE_WAIT_MS) return showProblem("Your changes are taking a while to save; try again in a moment.");
      setTimeout(check, 100);
    };
    check();
  });
}

const root = document.querySelector("[data-live-editor]");
if (root) start(root);
