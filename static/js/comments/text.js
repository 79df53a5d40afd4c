// The rendered text of one document block, as the server sees it, with a way back to the DOM.
//
// The server anchors comments on the *rendered* text of a block (wiki/rendering.py collapses every
// whitespace run to one space outside <pre>), so selections are measured on that same normalised
// text, never on Selection.toString() (which follows CSS layout and differs between browsers).
// Our own controls inside the body (buttons, hints) carry [data-comment-ui] and are not text; nor
// is the server's "n comment threads" link it puts into commented blocks (a.comment-marker).

const CONTEXT = 32; // characters of prefix / suffix, as DESIGN §3 and the server's Quote store
const SPACE = /\s/;
const LOOSE_CHAR = /[\p{L}\p{N}]/u;

function isOurs(node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  return Boolean(element && element.closest("[data-comment-ui], .comment-marker"));
}

/** Text nodes of `root` in document order, without our own controls. */
export function textNodes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => (isOurs(node) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const nodes = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
  return nodes;
}

/**
 * The block's normalised text plus two maps: `points[i]` is the [node, offset] of normalised
 * character i, and `starts[k][j]` the normalised index of character j of text node k.
 */
export function blockModel(block) {
  const keepSpaces = Boolean(block.closest("pre")) || block.tagName === "PRE";
  const nodes = textNodes(block);
  const points = [];
  const starts = [];
  let text = "";
  for (const node of nodes) {
    const data = node.data;
    const map = new Array(data.length + 1);
    for (let j = 0; j < data.length; j += 1) {
      map[j] = text.length;
      const ch = data[j];
      if (!keepSpaces && SPACE.test(ch)) {
        if (text.length === 0 || text.endsWith(" ")) continue; // collapse runs, no leading space
        text += " ";
      } else {
        text += ch;
      }
      points.push([node, j]);
    }
    map[data.length] = text.length;
    starts.push(map);
  }
  if (!keepSpaces && text.endsWith(" ")) { // no trailing space either, like the server's strip()
    text = text.slice(0, -1);
    points.pop();
  }
  return { block, text, nodes, points, starts };
}

/** Normalised index of a DOM boundary point (container, offset) inside the model's block. */
export function indexAt(model, container, offset) {
  const k = model.nodes.indexOf(container);
  if (k >= 0) return Math.min(model.starts[k][offset], model.text.length);
  const probe = document.createRange();
  probe.setStart(container, offset);
  for (let i = 0; i < model.nodes.length; i += 1) {
    if (probe.comparePoint(model.nodes[i], 0) >= 0) return Math.min(model.starts[i][0], model.text.length);
  }
  return model.text.length;
}

/** {exact, prefix, suffix} for the normalised span [start, end) of the model. */
export function quoteOf(model, start, end) {
  return {
    exact: model.text.slice(start, end),
    prefix: model.text.slice(Math.max(0, start - CONTEXT), start),
    suffix: model.text.slice(end, end + CONTEXT),
  };
}

/**
 * Letters and digits only, lower-cased, with the index of each in the source string. A thread's
 * quote is Markdown (`*fund* the [centre](https://…)`) while the page shows rendered text, so both
 * are compared on what survives rendering: words, not markup or punctuation.
 */
function loose(text) {
  let out = "";
  const at = [];
  for (let i = 0; i < text.length; i += 1) {
    if (LOOSE_CHAR.test(text[i])) {
      out += text[i].toLowerCase();
      at.push(i);
    }
  }
  return { out, at };
}

/** What a Markdown quote reads as once rendered, near enough for `loose` matching. */
export function markdownToPlain(markdown) {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // [text](url), ![alt](src) → text, alt
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1") // [text][ref]
    .replace(/<(https?:[^>\s]+|mailto:[^>\s]+)>/g, "$1") // <autolinks> keep their text
    .replace(/^\s{0,3}(?:#{1,6}\s|>\s?|[-*+]\s|\d+[.)]\s)/gm, ""); // line-leading block markers
}

/**
 * Where `quote` (Markdown) is in the model's text: [start, end) or null. When it occurs several
 * times, the occurrence whose surroundings best match the stored prefix/suffix wins.
 */
export function findQuote(model, quote, prefix = "", suffix = "") {
  const hay = loose(model.text);
  const needle = loose(markdownToPlain(quote)).out;
  if (!needle) return null;
  const before = loose(markdownToPlain(prefix)).out;
  const after = loose(markdownToPlain(suffix)).out;
  let best = null;
  let bestScore = -1;
  for (let at = hay.out.indexOf(needle); at >= 0; at = hay.out.indexOf(needle, at + 1)) {
    const score = sharedEnd(hay.out.slice(0, at), before) + sharedStart(hay.out.slice(at + needle.length), after);
    if (score > bestScore) [best, bestScore] = [at, score];
  }
  if (best === null) return null;
  return [hay.at[best], hay.at[best + needle.length - 1] + 1];
}

function sharedEnd(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) n += 1;
  return n;
}

function sharedStart(a, b) {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n += 1;
  return n;
}
