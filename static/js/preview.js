// Live preview for the document form: after a pause in typing, ask the server to render the text
// (same renderer and sanitiser as a saved revision) and show it. The "Preview" button still works
// without this script.
(() => {
  const form = document.querySelector("form[data-preview-url]");
  if (!form) return;
  const textarea = form.querySelector("textarea[name=text]");
  const target = document.getElementById("preview-body");
  const token = form.querySelector("input[name=csrf_token]");
  if (!textarea || !target) return;
  let timer = null;
  let inFlight = null;

  function showHint() {
    const hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = "The formatted text appears here as you type.";
    target.replaceChildren(hint);
  }

  async function refresh() {
    if (inFlight) inFlight.abort();
    if (!textarea.value.trim()) {
      inFlight = null;
      showHint();
      return;
    }
    inFlight = new AbortController();
    const body = new FormData();
    body.append("text", textarea.value);
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        body,
        headers: token ? { "X-CSRFToken": token.value } : {},
        signal: inFlight.signal,
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      target.innerHTML = data.html; // sanitised by the server (nh3 allowlist)
    } catch (error) {
      if (error.name !== "AbortError") console.warn("preview failed", error);
    }
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  refresh();
})();
