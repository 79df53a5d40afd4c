// Highlights each anchored thread's passage in the document body and links the two both ways.
//
// A passage becomes one or more <mark class="comment-mark" data-thread="…"> (one per text node it
// crosses: a mark cannot straddle <em> and plain text). The first mark of a thread is focusable and
// acts as a link to the thread; each thread gets a "Show passage" button that scrolls to and
// focuses that mark. Classes only: the CSP forbids style attributes.
import { blockModel, findQuote } from "./text.js";

const HINT_ID = "comment-mark-hint";

/** The innermost blocks: a blockquote's paragraphs, not the blockquote (where text is selected). */
export function leafBlocks(body) {
  return [...body.querySelectorAll("[data-block]")].filter((block) => !block.querySelector("[data-block]"));
}

function wrap(model, start, end, threadId) {
  // Group the span's characters by text node: one [node, from, to] per node.
  const segments = [];
  for (let i = start; i < end; i += 1) {
    const [node, offset] = model.points[i];
    const last = segments[segments.length - 1];
    if (last && last[0] === node) last[2] = offset + 1;
    else segments.push([node, offset, offset + 1]);
  }
  const marks = [];
  for (const [node, from, to] of segments) {
    if (!node.data.slice(from, to).trim()) continue; // layout whitespace between elements
    let part = node;
    if (to < part.length) part.splitText(to);
    if (from > 0) part = part.splitText(from);
    const mark = document.createElement("mark");
    mark.className = "comment-mark";
    mark.dataset.thread = threadId;
    part.parentNode.insertBefore(mark, part);
    mark.append(part);
    marks.push(mark);
  }
  if (marks.length) {
    const first = marks[0];
    first.tabIndex = 0;
    first.setAttribute("role", "link");
    first.setAttribute("aria-describedby", HINT_ID);
    first.classList.add("comment-mark-start");
  }
  return marks;
}

function removeMarks(body, threadId) {
  for (const mark of body.querySelectorAll(`mark.comment-mark[data-thread="${CSS.escape(threadId)}"]`)) {
    const parent = mark.parentNode;
    mark.replaceWith(...mark.childNodes);
    parent.normalize(); // merge the split text nodes back, so later quotes are found across them
  }
}

/** Which block the thread is on: the server's data-block if it gave one, else the best match. */
function placeThread(body, info) {
  const given = info.block && body.querySelector(`[data-block="${CSS.escape(info.block)}"]`);
  const candidates = given ? [given, ...leafBlocks(given)] : leafBlocks(body);
  for (const block of candidates) {
    const model = blockModel(block);
    const span = info.exact ? findQuote(model, info.exact, info.prefix, info.suffix) : null;
    if (span) return { model, span };
  }
  if (!given) return null; // no idea where it is: better no highlight than a wrong one
  const model = blockModel(leafBlocks(given)[0] || given);
  return { model, span: [0, model.text.length] }; // the quote was reworded: mark the whole block
}

/** Thread data from the panel's markup (see templates/comments/_thread.html). */
export function threadInfo(element) {
  const quote = element.querySelector("[data-thread-quote]");
  return {
    id: element.dataset.thread || element.id.replace(/^thread-/, ""),
    block: element.dataset.block || "",
    exact: element.dataset.exact ?? (quote ? quote.textContent.trim() : ""),
    prefix: element.dataset.prefix || "",
    suffix: element.dataset.suffix || "",
    anchored: (element.dataset.anchorState || "anchored") === "anchored",
  };
}

export class Highlighter {
  constructor(body, panel) {
    this.body = body;
    this.panel = panel;
    this._hint();
    // A focusable element swallows the start of a mouse selection (Chromium focuses it instead), so
    // a passage that was commented on could not be selected again: be unfocusable while the button is down.
    body.addEventListener("mousedown", (event) => {
      const mark = event.target.closest?.("mark.comment-mark[tabindex]");
      if (!mark) return;
      mark.removeAttribute("tabindex");
      document.addEventListener("mouseup", () => setTimeout(() => { mark.tabIndex = 0; }, 0), { once: true });
    }, true);
    body.addEventListener("click", (event) => this._fromMark(event));
    body.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this._fromMark(event); // role="link": Enter follows it, Space scrolls
    });
  }

  /** (Re)highlight one thread's passage and give its thread a "Show passage" button. */
  show(element) {
    const info = threadInfo(element);
    removeMarks(this.body, info.id);
    const existing = element.querySelector("[data-show-passage]");
    if (!info.anchored) return existing?.remove();
    const placed = placeThread(this.body, info);
    const marks = placed ? wrap(placed.model, placed.span[0], placed.span[1], info.id) : [];
    if (!marks.length) return existing?.remove();
    // The server's "Go to the passage" (a jump to the block, for pages without JS) gives way to ours.
    for (const link of element.querySelectorAll("[data-passage-link]")) link.hidden = true;
    if (existing) return;
    const slot = element.querySelector("[data-thread-links]");
    if (slot) slot.append(this._showButton(info.id));
    else element.prepend(this._showButton(info.id));
  }

  showAll() {
    for (const element of this.panel.querySelectorAll("[data-thread]")) this.show(element);
  }

  _showButton(threadId) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button comment-show-passage";
    button.dataset.showPassage = threadId;
    button.textContent = "Show passage";
    button.addEventListener("click", () => this.focusPassage(threadId));
    return button;
  }

  focusPassage(threadId) {
    const marks = [...this.body.querySelectorAll(`mark.comment-mark[data-thread="${CSS.escape(threadId)}"]`)];
    if (!marks.length) return;
    this._activate(marks);
    marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
    marks.find((mark) => mark.tabIndex === 0)?.focus({ preventScroll: true });
  }

  focusThread(threadId) {
    const thread = this.panel.querySelector(`#thread-${CSS.escape(threadId)}`);
    if (!thread) return;
    this._activate([...this.body.querySelectorAll(`mark.comment-mark[data-thread="${CSS.escape(threadId)}"]`)]);
    thread.classList.add("comment-thread-active");
    if (!thread.hasAttribute("tabindex")) thread.tabIndex = -1; // focusable by script only
    thread.scrollIntoView({ block: "start", behavior: "smooth" });
    thread.focus({ preventScroll: true });
    thread.addEventListener("blur", () => thread.classList.remove("comment-thread-active"), { once: true });
  }

  _fromMark(event) {
    const mark = event.target.closest?.("mark.comment-mark");
    if (!mark || (event.type === "click" && !window.getSelection().isCollapsed)) return; // selecting, not following
    event.preventDefault();
    this.focusThread(mark.dataset.thread);
  }

  _activate(marks) {
    for (const old of this.body.querySelectorAll("mark.comment-mark-active")) old.classList.remove("comment-mark-active");
    for (const mark of marks) mark.classList.add("comment-mark-active");
  }

  _hint() {
    if (document.getElementById(HINT_ID)) return;
    const hint = document.createElement("p");
    hint.id = HINT_ID;
    hint.hidden = true; // read by aria-describedby, never shown
    hint.dataset.commentUi = "";
    hint.textContent = "Commented passage: press Enter to read the comments.";
    this.body.after(hint);
  }
}
