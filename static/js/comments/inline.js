// Reply, flag and hide forms opened in place.
//
// A thread does not carry these forms (a page with 500 threads would be megabytes of them): it
// links to each form's own page, which works without JavaScript. Here, following such a link
// (a[data-inline-form], by mouse or keyboard) copies the page's one template[data-inline-form=…]
// under the link instead, pointed at the same address, and focuses its first field. The form then
// posts as usual; "Cancel" removes it and gives the focus back to the link.
let made = 0;

function uniqueIds(form, suffix) {
  const rename = (value) => value.split(/\s+/).map((id) => `${id}-${suffix}`).join(" ");
  for (const element of form.querySelectorAll("[id]")) element.id = rename(element.id);
  for (const element of form.querySelectorAll("label[for]")) element.htmlFor = rename(element.htmlFor);
  for (const element of form.querySelectorAll("[aria-describedby]")) {
    element.setAttribute("aria-describedby", rename(element.getAttribute("aria-describedby")));
  }
}

function close(link, holder) {
  holder.remove();
  link.setAttribute("aria-expanded", "false");
  link.focus();
}

function open(link) {
  const existing = link.nextElementSibling?.matches("[data-inline-holder]") ? link.nextElementSibling : null;
  if (existing) return existing.querySelector("textarea, input:not([type=hidden])")?.focus();
  const template = document.querySelector(`template[data-inline-form="${CSS.escape(link.dataset.inlineForm)}"]`);
  const source = template?.content.querySelector("form");
  if (!source) return false;
  const form = source.cloneNode(true);
  made += 1;
  uniqueIds(form, `i${made}`);
  form.action = link.href; // the form's own page answers the POST too
  const holder = document.createElement("div");
  holder.className = "comment-inline-form";
  holder.dataset.inlineHolder = "";
  const cancel = document.createElement("button");
  cancel.type = "button";
  cancel.className = "button-small button-secondary";
  cancel.textContent = "Cancel";
  cancel.addEventListener("click", () => close(link, holder));
  form.querySelector("[type=submit]")?.after(cancel);
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close(link, holder);
  });
  holder.append(form);
  link.after(holder);
  link.setAttribute("aria-expanded", "true");
  form.querySelector("textarea, input:not([type=hidden])")?.focus();
  return true;
}

/** Open inline forms for links inside `container` (delegated: threads added later work too). */
export function enableInlineForms(container) {
  container.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[data-inline-form]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button) return; // new tab: the page
    if (open(link) !== false) event.preventDefault();
  });
}
