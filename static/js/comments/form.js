// The inline comment form: a modal <dialog> holding the server's own comment form.
//
// The fields (visibility radios with the anonymity notice, perspectives, limits) are not rebuilt
// here: they come from the no-JavaScript "comment on this paragraph" page (or a <template> on this
// page), so both paths always offer the same choices and wording. The form is posted with fetch;
// on an error the server's message is shown and everything typed stays where it is (closing the
// dialog after a refusal keeps the text too: the next passage chosen opens with it).
//
// Used by the reading page (static/js/comments/index.js) and the live editor
// (static/js/editor/commenting.js): `fields(quote)` says which hidden fields tell the server where
// the passage is (a rendered block and text, or offsets into the live draft).
import { submitForm } from "./request.js";

let formCache = null; // the server's form, fetched once per page

async function serverForm(root, block) {
  const template = document.querySelector("template[data-comment-form]");
  if (template) return template.content.querySelector("form").cloneNode(true);
  if (!formCache) {
    const url = new URL(root.dataset.formUrl, window.location.href);
    url.searchParams.set("block", block);
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) throw new Error("The comment form could not be loaded. Reload the page and try again.");
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    formCache = page.querySelector("form[data-comment-form]")
      || [...page.querySelectorAll("form")].find((form) => form.querySelector("textarea[name=body]"));
    if (!formCache) throw new Error("The comment form could not be loaded. Reload the page and try again.");
  }
  return document.importNode(formCache, true);
}

/** Ids made unique for this dialog, with the labels and descriptions that point at them. */
function prefixIds(form) {
  const rename = (value) => value.split(/\s+/).map((id) => `cd-${id}`).join(" ");
  for (const element of form.querySelectorAll("[id]")) element.id = rename(element.id);
  for (const element of form.querySelectorAll("label[for]")) element.htmlFor = rename(element.htmlFor);
  for (const name of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const element of form.querySelectorAll(`[${name}]`)) element.setAttribute(name, rename(element.getAttribute(name)));
  }
}

function setField(form, name, value) {
  let input = form.querySelector(`[name="${name}"]`);
  if (!input) {
    input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    form.append(input);
  }
  input.value = value;
}

/** The reading page's fields: the revision shown and the rendered selection. */
function renderedFields(root, quote) {
  return { revision: root.dataset.revision, block: quote.block, exact: quote.exact, prefix: quote.prefix,
    suffix: quote.suffix };
}

export class CommentForm {
  constructor(root, { onCreated, fields = (quote) => renderedFields(root, quote) }) {
    this.root = root;
    this.onCreated = onCreated;
    this.fields = fields;
    this.unsent = null; // the body of a comment not sent (refused, or the dialog closed)
    this.opener = null;
    this.dialog = this._dialog();
    this.open = this.open.bind(this);
  }

  _dialog() {
    const dialog = document.createElement("dialog");
    dialog.className = "comment-dialog";
    dialog.dataset.commentUi = "";
    dialog.setAttribute("aria-labelledby", "comment-dialog-title");
    dialog.innerHTML = `<h2 id="comment-dialog-title">Comment on this passage</h2>
      <blockquote class="comment-dialog-quote" data-dialog-quote></blockquote>
      <div class="notice notice-error" role="alert" data-dialog-error hidden></div>
      <div data-dialog-form></div>
      <button type="button" class="button-small button-secondary" data-dialog-cancel>Cancel</button>`;
    this.cancel = dialog.querySelector("[data-dialog-cancel]"); // moved next to each form's submit button
    this.cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", () => { // Escape closes natively
      const body = dialog.querySelector("textarea[name=body]");
      if (body && body.value.trim()) this.unsent = body.value; // kept for the next passage chosen
      this._restoreFocus();
    });
    document.body.append(dialog);
    return dialog;
  }

  /** quote: {block, exact, prefix, suffix, whole: kind of block if all of it}; opener gets focus back. */
  async open(quote, opener) {
    if (this.dialog.open) return;
    this.opener = opener;
    this.quote = quote;
    const part = (name) => this.dialog.querySelector(`[data-dialog-${name}]`);
    part("quote").textContent = quote.exact;
    this.dialog.querySelector("h2").textContent = quote.whole ? `Comment on this ${quote.whole}` : "Comment on the selected text";
    this._error("");
    let form;
    try {
      form = await serverForm(this.root, quote.block);
    } catch (error) {
      part("form").replaceChildren();
      part("form").after(this.cancel);
      this.dialog.showModal();
      return this._error(error.message);
    }
    prefixIds(form);
    form.classList.add("comment-dialog-form");
    for (const [name, value] of Object.entries(this.fields(quote))) setField(form, name, value ?? "");
    form.addEventListener("submit", (event) => this._submit(event, form));
    part("form").replaceChildren(form);
    form.querySelector("[type=submit]")?.after(this.cancel); // beside "Post comment"
    const body = form.querySelector("textarea[name=body]");
    if (body && this.unsent) body.value = this.unsent;
    this.dialog.showModal();
    body?.focus();
  }

  async _submit(event, form) {
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    form.setAttribute("aria-busy", "true");
    try {
      const outcome = await submitForm(form);
      if (outcome.error) return this._error(outcome.error);
      form.querySelector("textarea[name=body]").value = ""; // sent: nothing to keep when it closes
      this.unsent = null;
      this.opener = null; // focus goes to the new thread instead
      this.dialog.close();
      window.getSelection()?.removeAllRanges();
      this.onCreated(outcome);
    } catch {
      this._error("Your comment could not be sent (no connection?). Nothing is lost: try again.");
    } finally {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
    }
  }

  _error(message) {
    const box = this.dialog.querySelector("[data-dialog-error]");
    box.textContent = message;
    box.hidden = !message;
    if (message) box.scrollIntoView({ block: "nearest" });
  }

  _restoreFocus() {
    const opener = this.opener;
    this.opener = null;
    if (opener && opener.isConnected && opener.offsetParent !== null) opener.focus();
  }
}

