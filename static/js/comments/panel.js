// Puts server-rendered threads into the comments panel without reloading the page.
//
// Threads arrive as HTML fragments rendered by the server with the panel's own template (so they
// are sanitised there): from our own POST, from a live "comment" event, or from a fresh copy of
// the page after a reconnection. A thread being replaced may hold a half-typed reply: values of
// its text fields and the focus are carried over, so nobody loses what they were typing.
import { csrfToken } from "./request.js";

function parseFragment(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content;
}

function typedValues(element) {
  const values = new Map();
  for (const field of element.querySelectorAll("textarea[name], input[type=text][name]")) {
    if (field.value) values.set(`${field.form?.getAttribute("action") || ""}|${field.name}`, field.value);
  }
  return values;
}

function restoreValues(element, values, focusedKey) {
  for (const field of element.querySelectorAll("textarea[name], input[type=text][name]")) {
    const key = `${field.form?.getAttribute("action") || ""}|${field.name}`;
    if (values.has(key)) field.value = values.get(key);
    if (key === focusedKey) field.focus({ preventScroll: true });
  }
}

/** Inline reply / flag / hide forms open in a thread (static/js/comments/inline.js), by link address. */
function openForms(element) {
  return [...element.querySelectorAll("[data-inline-holder]")]
    .map((holder) => [holder.previousElementSibling?.getAttribute("href"), holder]);
}

function reattach(element, forms) {
  for (const [href, holder] of forms) {
    const link = [...element.querySelectorAll("a[data-inline-form]")].find((a) => a.getAttribute("href") === href);
    if (!link) continue;
    link.after(holder);
    link.setAttribute("aria-expanded", "true");
  }
}

export class Panel {
  constructor(panel, highlighter) {
    this.panel = panel;
    this.highlighter = highlighter;
    this.status = document.createElement("p");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.dataset.commentUi = "";
    panel.append(this.status);
  }

  thread(threadId) {
    return this.panel.querySelector(`#thread-${CSS.escape(String(threadId))}`);
  }

  /** The thread element in server HTML (not yet on the page), or null. */
  parse(threadId, html) {
    return parseFragment(html).querySelector(`#thread-${CSS.escape(String(threadId))}`);
  }

  /**
   * Say (visibly, and politely to screen readers) how many new comments arrived that the panel's
   * filters leave out: they are not inserted, but nobody should think nothing happened.
   */
  noteFilteredOut() {
    this.filteredOut = (this.filteredOut || 0) + 1;
    if (!this.filteredNote) {
      this.filteredNote = document.createElement("p");
      this.filteredNote.className = "hint comment-filtered-note";
      this.filteredNote.setAttribute("role", "status"); // polite live region
      this.filteredNote.dataset.commentUi = "";
      this.filteredNote.dataset.filteredOut = "";
      this._list().before(this.filteredNote);
    }
    const n = this.filteredOut;
    this.filteredNote.textContent = `${n} new comment${n === 1 ? "" : "s"} hidden by the filter.`;
  }

  /** Insert or refresh one thread from server HTML (or its parsed element); returns it (or null). */
  upsert(threadId, html, { announce = "" } = {}) {
    const fresh = typeof html === "string" ? this.parse(threadId, html) : html;
    if (!fresh) return null;
    for (const input of fresh.querySelectorAll('input[name="csrf_token"]')) {
      input.value = csrfToken(); // the fragment was rendered outside this page's session
    }
    const old = this.thread(threadId);
    if (old) {
      const values = typedValues(old);
      const active = old.contains(document.activeElement) ? document.activeElement : null;
      const focusedKey = active?.name ? `${active.form?.getAttribute("action") || ""}|${active.name}` : null;
      const forms = openForms(old);
      old.replaceWith(fresh);
      reattach(fresh, forms); // the same elements: what was typed stays
      restoreValues(fresh, values, focusedKey);
      if (active === old) { // the thread itself had focus (we had just moved it there): keep it
        fresh.tabIndex = -1;
        fresh.classList.add(...[...old.classList].filter((name) => name === "comment-thread-active"));
        fresh.focus({ preventScroll: true });
      }
    } else {
      this._list().append(fresh);
      this.panel.querySelector("[data-threads-empty]")?.setAttribute("hidden", "");
    }
    this.highlighter.show(fresh);
    if (announce) this.status.textContent = announce;
    return fresh;
  }

  /** Bring in every thread of a freshly fetched copy of the page (after a POST or a reconnection). */
  mergeFrom(page) {
    const added = [];
    const source = page.querySelector("[data-comments-panel]") || page;
    for (const thread of source.querySelectorAll("[data-thread]")) {
      const id = thread.id.replace(/^thread-/, "");
      if (!this.thread(id)) added.push(id);
      this.upsert(id, thread.outerHTML);
    }
    return added;
  }

  _list() {
    return this.panel.querySelector("[data-thread-list]") || this.panel;
  }
}
