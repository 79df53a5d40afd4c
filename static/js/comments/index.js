// Entry point of static/dist/comments.js: comments on the rendered document page (issue 5).
//
// Progressive enhancement of a page that works without it (the panel, its forms and the "comment
// on a paragraph" page are server-rendered). Hooks (templates/comments/_panel.html, _thread.html):
//   [data-comments]              data-doc, data-revision, data-form-url, data-can-comment, data-live
//   [data-comments-panel]        the threads (templates/comments/_panel.html)
//   template[data-comment-form]  the new-thread form, as the server renders it for this reader
//   template[data-inline-form]   the reply / flag / hide forms, opened in place by a[data-inline-form]
//   form#comment-actions         the one form the threads' action buttons post through (formaction)
//   #thread-<id>[data-thread]    data-block, data-prefix/-suffix (rendered text; the passage is its blockquote), data-anchor-state
//   article .doc-body            the rendered document; its blocks carry data-block ids
import { addBlockButtons, addSelectionButton } from "./affordances.js";
import { activeFilters, matches } from "./filters.js";
import { CommentForm } from "./form.js";
import { Highlighter } from "./highlight.js";
import { enableInlineForms } from "./inline.js";
import { watchComments } from "./live.js";
import { Panel } from "./panel.js";
import { fetchPage } from "./request.js";

/**
 * A thread that arrived live: refreshed if shown; new ones inserted only if the panel's filters
 * (section, status, perspective, detached) would list them, else counted in a polite note.
 */
function receive(panel, filters, msg) {
  const fresh = panel.parse(msg.thread_id, msg.html);
  if (!fresh) return;
  if (!panel.thread(msg.thread_id) && filters.active && !matches(fresh, filters)) {
    panel.noteFilteredOut();
    return;
  }
  panel.upsert(msg.thread_id, fresh, { announce: "A new comment arrived." });
}

function start(root) {
  const body = root.querySelector("article .doc-body");
  const panelElement = root.querySelector("[data-comments-panel]");
  if (!body || !panelElement) return;
  const highlighter = new Highlighter(body, panelElement);
  const panel = new Panel(panelElement, highlighter);
  highlighter.showAll();
  enableInlineForms(panelElement);
  const filters = activeFilters();

  if (root.dataset.canComment === "true") {
    const form = new CommentForm(root, {
      onCreated({ threadId, html, page }) {
        let id = threadId;
        if (html) panel.upsert(id, html, { announce: "Your comment was added." });
        else if (page) id = panel.mergeFrom(page)[0] || id;
        if (id) highlighter.focusThread(id);
      },
    });
    addBlockButtons(body, form.open);
    addSelectionButton(body, form.open);
  }

  if (root.dataset.live === "true") {
    const socket = watchComments(Number(root.dataset.doc), {
      onComment: (msg) => receive(panel, filters, msg),
      onState: (state) => { root.dataset.liveState = state; }, // tests wait for "joined"
      onRejoin: async () => {
        const page = await fetchPage();
        if (page) panel.mergeFrom(page);
      },
    });
    window.__comments = { socket }; // for the browser tests: cut the connection
  }
}

const root = document.querySelector("[data-comments]");
if (root) start(root);
