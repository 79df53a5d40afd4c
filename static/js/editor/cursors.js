// Other people's cursors and selections, and publishing our own cursor through awareness.
//
// Adapted from y-codemirror.next's yRemoteSelections (MIT, Kevin Jahns), for one reason: its caret
// widget sets its colour with setAttribute("style", …), which our CSP (style-src 'self'
// 'nonce-…') refuses — a nonce vouches for <style> elements, never for style attributes. (Mark
// decorations would be safe: CodeMirror applies their style through CSSOM.) Here each colour
// becomes a class whose rule is injected once, with CodeMirror's nonce; the markup and class names
// (.cm-ySelection, .cm-ySelectionCaret, .cm-ySelectionInfo) stay the same, so y-codemirror.next's
// base theme still lays them out.
import { Decoration, EditorView, ViewPlugin, WidgetType } from "@codemirror/view";
import { Annotation } from "@codemirror/state";
import { StyleModule } from "style-mod";
import * as Y from "yjs";
import { ySyncFacet } from "y-codemirror.next";

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;
const DEFAULT_COLOUR = "#4a5560";
const refresh = Annotation.define();
const mounted = new Set();

/** The class carrying this colour ("c-0b5d8f"); its CSS rule is added the first time. */
function colourClass(view, colour) {
  const hex = (HEX_COLOUR.test(colour) ? colour : DEFAULT_COLOUR).slice(1).toLowerCase();
  const name = `cm-ycolour-${hex}`;
  if (!mounted.has(name)) {
    mounted.add(name);
    const rules = new StyleModule({
      [`.${name}.cm-ySelection, .${name}.cm-yLineSelection`]: { backgroundColor: `#${hex}33` },
      [`.${name}.cm-ySelectionCaret`]: { backgroundColor: `#${hex}`, borderColor: `#${hex}` },
    });
    StyleModule.mount(view.dom.ownerDocument, rules, { nonce: view.state.facet(EditorView.cspNonce) });
  }
  return name;
}

class CaretWidget extends WidgetType {
  constructor(colourName, name) {
    super();
    this.colourName = colourName;
    this.name = name;
  }

  toDOM() {
    const caret = document.createElement("span");
    caret.className = `cm-ySelectionCaret ${this.colourName}`;
    const dot = document.createElement("span");
    dot.className = "cm-ySelectionCaretDot";
    const info = document.createElement("span");
    info.className = "cm-ySelectionInfo";
    info.textContent = this.name; // textContent: a display name is never markup
    caret.append("\u2060", dot, "\u2060", info, "\u2060");
    return caret;
  }

  eq(other) {
    return other.colourName === this.colourName && other.name === this.name;
  }

  get estimatedHeight() {
    return -1;
  }

  ignoreEvent() {
    return true;
  }
}

class RemoteCursors {
  constructor(view, awareness) {
    this.conf = view.state.facet(ySyncFacet);
    this.awareness = awareness;
    this.decorations = Decoration.none;
    this.listener = ({ added, updated, removed }) => {
      const others = added.concat(updated, removed).some((id) => id !== awareness.clientID);
      if (others) view.dispatch({ annotations: [refresh.of(true)] });
    };
    awareness.on("change", this.listener);
  }

  destroy() {
    this.awareness.off("change", this.listener);
  }

  update(update) {
    this.publish(update);
    this.decorations = Decoration.set(this.remoteRanges(update.view), true);
  }

  /** Our selection as Yjs relative positions (they survive concurrent edits), while focused. */
  publish(update) {
    const local = this.awareness.getLocalState();
    if (local == null) return;
    const ytext = this.conf.ytext;
    const focused = update.view.hasFocus && update.view.dom.ownerDocument.hasFocus();
    if (!focused) return; // keep showing where we were; clearing on blur makes cursors flicker
    const { anchor, head } = update.state.selection.main;
    const next = {
      anchor: Y.createRelativePositionFromTypeIndex(ytext, anchor),
      head: Y.createRelativePositionFromTypeIndex(ytext, head),
    };
    const current = local.cursor;
    const same = current
      && Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), next.anchor)
      && Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), next.head);
    if (!same) this.awareness.setLocalStateField("cursor", next);
  }

  remoteRanges(view) {
    const ytext = this.conf.ytext;
    const ranges = [];
    this.awareness.getStates().forEach((state, clientId) => {
      const cursor = state.cursor;
      if (clientId === this.awareness.clientID || !cursor || !cursor.anchor || !cursor.head) return;
      const anchor = Y.createAbsolutePositionFromRelativePosition(cursor.anchor, ytext.doc);
      const head = Y.createAbsolutePositionFromRelativePosition(cursor.head, ytext.doc);
      if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) return;
      const user = state.user || {};
      const colour = colourClass(view, user.color);
      const name = typeof user.name === "string" ? user.name : "Someone";
      const size = view.state.doc.length;
      const from = Math.min(anchor.index, head.index, size);
      const to = Math.min(Math.max(anchor.index, head.index), size);
      if (from < to) this.selection(view, from, to, colour, ranges);
      ranges.push(Decoration.widget({
        side: head.index - anchor.index > 0 ? -1 : 1, // keep our own caret outside their selection
        widget: new CaretWidget(colour, name),
      }).range(Math.min(head.index, size)));
    });
    return ranges;
  }

  selection(view, from, to, colour, ranges) {
    const mark = Decoration.mark({ class: `cm-ySelection ${colour}` });
    const first = view.state.doc.lineAt(from);
    const last = view.state.doc.lineAt(to);
    if (first.number === last.number) return ranges.push(mark.range(from, to));
    if (from < first.to) ranges.push(mark.range(from, first.to));
    for (let n = first.number + 1; n < last.number; n++) {
      ranges.push(Decoration.line({ class: `cm-yLineSelection ${colour}` }).range(view.state.doc.line(n).from));
    }
    if (last.from < to) ranges.push(mark.range(last.from, to));
  }
}

/** Remote cursors for the editor; `awareness` is the provider's y-protocols Awareness. */
export function remoteCursors(awareness) {
  return ViewPlugin.define((view) => new RemoteCursors(view, awareness), {
    decorations: (plugin) => plugin.decorations,
  });
}
