// Comment threads in the live editor (issue 5: "after every change, live or saved, each thread is
// re-anchored"). The server places the threads on the live text (GET /api/v1/documents/<id>/comments,
// wiki/comments/live.py); their passages are marked in the draft, and CodeMirror maps the marks
// through every later change, local or remote. Once the draft is saved and typing pauses the list is
// fetched again, so a thread whose passage was deleted is listed as detached (never dropped).
import { StateEffect, StateField } from "@codemirror/state";
import { Decoration, EditorView } from "@codemirror/view";

const REFRESH_MS = 800;
const setThreads = StateEffect.define();

const threadMarks = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) if (effect.is(setThreads)) next = effect.value;
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** The CodeMirror extension that shows the marks (createEditor adds it). */
export const commentMarks = [threadMarks];

/** UTF-16 offset of every code-point offset of `text` (the API counts code points, CodeMirror UTF-16). */
function unitOffsets(text) {
  const units = [0];
  let unit = 0;
  for (const char of text) {
    unit += char.length;
    units.push(unit);
  }
  return units;
}

/**
 * Mark the anchored threads whose passage this draft still reads as the server placed it; returns
 * the detached ones. A thread placed on a text this client has not seen yet is left for the next
 * fetch rather than marked in the wrong place.
 */
export function placeThreads(view, threads) {
  const text = view.state.doc.toString();
  const units = unitOffsets(text);
  const ranges = [];
  const detached = [];
  for (const thread of threads) {
    const { start, end, exact, state } = thread.anchor;
    if (state !== "anchored") {
      detached.push(thread);
      continue;
    }
    if (end >= units.length || text.slice(units[start], units[end]) !== exact) continue;
    const mark = Decoration.mark({ class: "comment-mark-live", attributes: { "data-thread": String(thread.thread_id) } });
    ranges.push(mark.range(units[start], units[end]));
  }
  view.dispatch({ effects: setThreads.of(Decoration.set(ranges, true)) });
  return { marked: ranges.length, detached };
}

function renderList(box, { marked, detached }, readUrl) {
  const summary = box.querySelector("[data-live-comments-summary]");
  const list = box.querySelector("[data-live-comments-detached]");
  summary.textContent = `${marked} ${marked === 1 ? "comment is" : "comments are"} on passages of this draft `
    + `(highlighted)${detached.length ? `; ${detached.length} detached by the draft:` : "."}`;
  list.replaceChildren(...detached.map((thread) => {
    const item = document.createElement("li");
    const quote = document.createElement("q");
    quote.textContent = thread.anchor.exact;
    const link = document.createElement("a");
    link.href = `${readUrl}#thread-${thread.thread_id}`;
    link.textContent = "see the comment";
    item.append(quote, " — ", link);
    return item;
  }));
  box.hidden = false;
}

/**
 * Keep the marks and the detached list up to date for `docId`. `getView` returns the editor's view
 * once it exists; `box` is the [data-live-comments] section; `ydoc` and `provider` say when the
 * draft changed and when everything typed here has reached the server.
 */
export function watchThreads({ docId, getView, box, readUrl, ydoc, provider }) {
  let timer = null;
  let running = false;

  async function refresh() {
    const view = getView();
    if (!view || running || provider.stopped) return; // stopped: access lost or the document deleted
    if (provider.pending > 0) return schedule(); // the server has not got everything yet
    running = true;
    try {
      const response = await fetch(`/api/v1/documents/${docId}/comments`, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (response.ok) renderList(box, placeThreads(view, await response.json()), readUrl);
    } catch {
      // offline: the marks keep following the text; the next change fetches again
    } finally {
      running = false;
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, REFRESH_MS);
  }

  ydoc.on("update", schedule);
  return { refresh, schedule };
}
