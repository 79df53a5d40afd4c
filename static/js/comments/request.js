// Posting a comment form with fetch, and reading whichever answer the server gives.
//
// We ask for JSON (Accept: application/json): {thread_id, html?} on success, {error} or {errors}
// on failure. A server that answers with its usual HTML instead is handled too: a redirect to the
// document page means success (the new thread is read out of that page), an HTML page with an
// error summary means failure (its message is shown).

/** The page's CSRF token (Flask-WTF): from the panel's form template, else any form on the page. */
export function csrfToken() {
  const template = document.querySelector("template[data-comment-form]");
  return template?.content.querySelector('input[name="csrf_token"]')?.value
    || document.querySelector('input[name="csrf_token"]')?.value || "";
}

function messageFromJson(data) {
  if (data.error) return String(data.error);
  if (data.message) return String(data.message);
  if (data.errors) {
    const list = Array.isArray(data.errors) ? data.errors : Object.values(data.errors).flat();
    return list.map((item) => (typeof item === "string" ? item : item.message || "")).filter(Boolean).join(" ");
  }
  return "";
}

function messageFromPage(page) {
  const summary = page.querySelector(".error-summary, [data-error-summary], .field-error, .flash-error, [role=alert]");
  const text = summary?.textContent.replace(/\s+/g, " ").trim();
  return text || "";
}

/** POST the form; resolves to {threadId?, html?, data? (the JSON answer), page?, error?}. Rejects only on network failure. */
export async function submitForm(form) {
  const body = new FormData(form);
  body.set("csrf_token", csrfToken() || body.get("csrf_token") || "");
  const response = await fetch(form.action, {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  const type = response.headers.get("Content-Type") || "";
  if (type.includes("application/json")) {
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      return { error: messageFromJson(data) || `Your comment was not saved (error ${response.status}).` };
    }
    return { threadId: String(data.thread_id ?? data.id ?? ""), html: data.html || "", data };
  }
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  if (!response.ok || !response.redirected) {
    return { error: messageFromPage(page) || `Your comment was not saved (error ${response.status}).` };
  }
  return { page };
}

/** The current document page, parsed (to catch up on threads after a reconnection). */
export async function fetchPage(url = window.location.href) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  if (!response.ok) return null;
  return new DOMParser().parseFromString(await response.text(), "text/html");
}
