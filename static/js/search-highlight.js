// Arriving from a search result (?highlight=words#anchor): mark the words on the page and bring the
// first one at or after the anchor (the section or comment the result pointed to) into view.
// Progressive enhancement: without this file the link still lands on the anchor.
(function () {
  "use strict";
  const SKIP = new Set(["SCRIPT", "STYLE", "TEXTAREA", "INPUT", "SELECT", "OPTION", "MARK", "NOSCRIPT"]);

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function textNodes(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode(node) {
        if (!node.nodeValue.trim()) return NodeFilter.FILTER_REJECT;
        for (let el = node.parentElement; el && el !== root; el = el.parentElement) {
          if (SKIP.has(el.tagName) || el.closest("form")) return NodeFilter.FILTER_REJECT;
        }
        return NodeFilter.FILTER_ACCEPT;
      },
    });
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  }

  function markAll(root, pattern) {
    const marks = [];
    for (const node of textNodes(root)) {
      const text = node.nodeValue;
      pattern.lastIndex = 0;
      if (!pattern.test(text)) continue;
      pattern.lastIndex = 0;
      const fragment = document.createDocumentFragment();
      let at = 0;
      for (const match of text.matchAll(pattern)) {
        const start = match.index + match[1].length;
        fragment.append(text.slice(at, start));
        const mark = document.createElement("mark");
        mark.className = "search-hit";
        mark.textContent = match[2];
        fragment.append(mark);
        marks.push(mark);
        at = start + match[2].length;
      }
      fragment.append(text.slice(at));
      node.replaceWith(fragment);
    }
    return marks;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const words = (new URLSearchParams(window.location.search).get("highlight") || "")
      .split(/\s+/).filter((w) => w.length > 1).slice(0, 20);
    const root = document.getElementById("main");
    if (!words.length || !root) return;
    const pattern = new RegExp("(^|[^\\p{L}\\p{N}])(" + words.map(escapeRegExp).join("|") + ")(?=$|[^\\p{L}\\p{N}])", "giu");
    const marks = markAll(root, pattern);
    if (!marks.length) return;
    const id = decodeURIComponent(window.location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    const first = target
      ? marks.find((m) => target.contains(m) || (target.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING)) || marks[0]
      : marks[0];
    first.classList.add("search-hit-current");
    first.setAttribute("tabindex", "-1");
    // After the load: the browser's own scroll to the #fragment (and its focus reset) comes first.
    const land = () => requestAnimationFrame(() => {
      first.scrollIntoView({ block: "center" });
      first.focus({ preventScroll: true });
    });
    if (document.readyState === "complete") land();
    else window.addEventListener("load", land, { once: true });
    const status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.textContent = marks.length + (marks.length === 1 ? " match highlighted" : " matches highlighted");
    root.prepend(status);
  });
})();
