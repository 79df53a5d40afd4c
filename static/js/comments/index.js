// Entry point of static/dist/comments.js: comments on the rendered document page (issue 5).
//
// Progressive enhancement of a page that works without it (the panel, its forms and the "comment
// on a paragraph" page are server-rendered). Hooks (templates/comments/_panel.html, _thread.html):
//   [data-comments]              data-doc, data-revision, data-form-url, data-can-comment, data-live
//   [data-comments-panel]        the threads (templates/comments/_panel.html)
//   template[data-comment-form]  the new-thread form, as the server renders it for this reader
//   #thread-<id>[data-thread]    data-block, data-exact/-prefix/-suffix (rendered text), data-anchor-state
//   article .doc-body            the rendered document; its blocks carry data-block ids
import { addBlockButtons, addSelectionButton } from "./affordances.js";
import { CommentForm } from "./form.js";
import { Highlighter } from "./highlight.js";
import { watchComments } from "./live.js";
import { Panel } from "./panel.js";
import { fetchPage } from "./request.js";

/** Is the panel showing a filtered list (templates/comments/_panel.html's filter form)? */
function filtered() {
  const args = new URLSearchParams(window.location.search);
  return ["section", "status", "perspective", "orphaned"].some((name) => args.get(name));
}

function start(root) {
  const body = root.querySelector("article .doc-body");
  const panelElement = root.querySelector("[data-comments-panel]");
  if (!body || !panelElement) return;
  const highlighter = new Highlighter(body, panelElement);
  const panel = new Panel(panelElement, highlighter);
  highlighter.showAll();

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
      onComment: (msg) => {
        if (!panel.thread(msg.thread_id) && filtered()) return; // the filters may exclude it: reload to see
        panel.upsert(msg.thread_id, msg.html, { announce: "A new comment arrived." });
      },
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
