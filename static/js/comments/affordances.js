// The two ways into the comment form from the document body:
//
// - every block gets a "Comment on this paragraph" button (shown on hover and on focus), because
//   selecting text from the keyboard needs caret browsing, which few people have switched on;
// - a "Comment on selection" button, right after the body in the tab order and in a fixed place at
//   the bottom of the reading area, shown whenever text inside the body is selected.
//
// Both call `open({block, exact, prefix, suffix}, opener)`; the opener gets focus back afterwards.
import { blockModel, indexAt, quoteOf } from "./text.js";
import { leafBlocks } from "./highlight.js";

// A button may sit inside these (phrasing content, and a heading's name must not include it);
// other blocks (headings, tables, code) get it just before them, as a sibling.
const HOLDS_BUTTON = new Set(["P", "LI", "DD", "DT"]);

function placeButton(block, button) {
  if (HOLDS_BUTTON.has(block.tagName)) block.prepend(button);
  else block.before(button);
}

const KIND = { LI: "list item", TABLE: "table", PRE: "code block", BLOCKQUOTE: "quotation" };

function kindOf(block) {
  return /^H[1-6]$/.test(block.tagName) ? "heading" : KIND[block.tagName] || "paragraph";
}

export function addBlockButtons(body, open) {
  body.classList.add("comment-gutter"); // room for the buttons (static/css/app.css, Comments)
  for (const block of leafBlocks(body)) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "comment-block-button";
    button.dataset.commentUi = "";
    button.dataset.commentBlock = block.dataset.block;
    // No text content: the visible "Comment" is CSS generated content, so the block's own text (what
    // is selected, copied, quoted and read as the list item's content) does not gain a word.
    button.setAttribute("aria-label", `Comment on this ${kindOf(block)}`);
    button.addEventListener("click", () => {
      const model = blockModel(block);
      open({ block: block.dataset.block, ...quoteOf(model, 0, model.text.length), whole: kindOf(block) }, button);
    });
    placeButton(block, button);
  }
}

/** The innermost block holding the point, if it is one of the body's blocks. */
function blockOf(body, node) {
  const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  const block = element?.closest("[data-block]");
  return block && body.contains(block) && !block.querySelector("[data-block]") ? block : null;
}

/**
 * The selection as a quote within one block. A selection spanning several blocks is cut at the end
 * of the block where it starts: a comment is anchored to one passage of one block.
 */
export function selectionQuote(body) {
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
  const range = selection.getRangeAt(0);
  const block = blockOf(body, range.startContainer) || leafBlocks(body).find((b) => range.intersectsNode(b));
  if (!block) return null;
  const model = blockModel(block);
  const start = block.contains(range.startContainer) ? indexAt(model, range.startContainer, range.startOffset) : 0;
  const end = block.contains(range.endContainer) ? indexAt(model, range.endContainer, range.endOffset) : model.text.length;
  const quote = quoteOf(model, start, end);
  if (!quote.exact.trim()) return null;
  return { block: block.dataset.block, ...quote };
}

export function addSelectionButton(body, open) {
  const bar = document.createElement("div");
  bar.className = "comment-selection-bar";
  bar.dataset.commentUi = "";
  bar.hidden = true;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = "Comment on selection";
  bar.append(button);
  body.after(bar);

  let last = null; // the selection as it was before a click on the button could collapse it
  // While the comment form is open the selection moves into it: keep the bar (focus returns to it).
  const formOpen = () => Boolean(document.querySelector("dialog.comment-dialog[open]"));
  const update = () => {
    if (formOpen()) return;
    const quote = selectionQuote(body);
    if (quote) last = quote;
    else if (!bar.contains(document.activeElement)) last = null;
    bar.hidden = !last;
  };
  document.addEventListener("selectionchange", update);
  bar.addEventListener("focusout", () => setTimeout(update, 0)); // after focus has landed elsewhere
  button.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
  button.addEventListener("click", () => {
    const quote = selectionQuote(body) || last;
    if (quote) open(quote, button);
  });
  return bar;
}
