// "Comment on selection" in the live editor (issue 5: "select a passage … in the editor and
// comment on it"). The button sits right after the editor in the tab order, so a keyboard user
// selects with Shift+arrows, presses Tab and Enter. It opens the reading page's own comment dialog
// (static/js/comments/form.js, with the server's form from template[data-comment-form]: who sees
// the name, consented perspectives, the body), posting the live text's selection — code-point
// offsets and the quote with its context — to /live/comments. The server anchors it on the saved
// text, saving the draft first if the passage holds unsaved words (wiki/comments/drafting.py); if
// someone typed in the passage meanwhile it refuses, and the comment stays in the dialog.
import { CommentForm } from "../comments/form.js";

const CONTEXT = 32; // characters of context each side, as the server stores (wiki/comments/anchoring.py)

/** The main selection as {start, end, exact, prefix, suffix} in code points, or null if empty. */
export function liveSelection(state) {
  const { from, to } = state.selection.main;
  if (from === to) return null;
  const text = state.doc.toString();
  const exact = text.slice(from, to);
  if (!exact.trim()) return null;
  const before = [...text.slice(0, from)];
  const start = before.length;
  return {
    start,
    end: start + [...exact].length,
    exact,
    prefix: before.slice(-CONTEXT).join(""),
    suffix: [...text.slice(to, to + 2 * CONTEXT)].slice(0, CONTEXT).join(""),
  };
}

/**
 * Wire the bar ([data-live-comment-bar] in templates/realtime/_live_editor.html, present only for
 * people who may comment). `getView` gives the editor view; `onPosted()` refreshes the marks.
 * Returns `update(state)`, to be called on every selection change.
 */
export function enableCommenting({ root, getView, onPosted }) {
  const bar = root.querySelector("[data-live-comment-bar]");
  if (!bar || !document.querySelector("template[data-comment-form]")) return () => {};
  const button = bar.querySelector("[data-live-comment]");
  const status = bar.querySelector("[data-live-comment-status]");
  const say = (message) => { status.textContent = message; };

  const form = new CommentForm(root, {
    fields: (quote) => ({ start: quote.start, end: quote.end, exact: quote.exact, prefix: quote.prefix,
      suffix: quote.suffix }),
    onCreated({ data = {} }) {
      const saved = data.saved ? ` The draft was saved as revision ${data.revision} to anchor it.` : "";
      say(`${data.message || "Comment posted."}${saved}`);
      onPosted();
      button.focus();
    },
  });

  const update = (state) => {
    const empty = !liveSelection(state);
    button.setAttribute("aria-disabled", String(empty));
    if (!empty) say("");
  };
  button.addEventListener("mousedown", (event) => event.preventDefault()); // the editor keeps focus
  button.addEventListener("click", () => {
    const view = getView();
    const quote = view && liveSelection(view.state);
    if (!quote) {
      say("Select some text in the draft first (for example with Shift and the arrow keys).");
      return;
    }
    form.open(quote, button);
  });
  bar.hidden = false;
  return update;
}
