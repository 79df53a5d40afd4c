// The CodeMirror 6 view bound to the shared Y.Text.
//
// Tab is deliberately NOT bound (no indentWithTab): it moves focus out of the editor like
// everywhere else on the page, so keyboard users are never trapped. Ctrl+] / Ctrl+[ indent.
// History is Yjs's UndoManager (undo only ever undoes your own changes, never a co-author's).
import { EditorView } from "codemirror";
import {
  crosshairCursor, drawSelection, dropCursor, highlightActiveLine, highlightActiveLineGutter,
  highlightSpecialChars, keymap, lineNumbers, rectangularSelection,
} from "@codemirror/view";
import { Compartment, EditorState } from "@codemirror/state";
import { defaultKeymap } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { markdown, markdownLanguage } from "@codemirror/lang-markdown";
import * as Y from "yjs";
import { yCollab, yRemoteSelectionsTheme, yUndoManagerKeymap } from "y-codemirror.next";
import { commentMarks } from "./comments.js";
import { remoteCursors } from "./cursors.js";

function editable(yes) {
  return [EditorState.readOnly.of(!yes), EditorView.editable.of(yes)];
}

/**
 * Create the editor in `parent`. Options: ytext, awareness, readOnly, nonce (the page's CSP nonce:
 * CodeMirror injects its styles as <style> elements, which style-src allows only with it),
 * describedBy (id of the hint under the editor), onSelection(state) (after every selection or
 * text change: the "Comment on selection" button follows it).
 */
export function createEditor({ parent, ytext, awareness, readOnly, nonce, describedBy, onSelection = () => {} }) {
  const undoManager = new Y.UndoManager(ytext);
  const access = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        EditorView.cspNonce.of(nonce || ""),
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        drawSelection(),
        dropCursor(),
        indentOnInput(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        bracketMatching(),
        rectangularSelection(),
        crosshairCursor(),
        highlightActiveLine(),
        highlightSelectionMatches(),
        keymap.of([...yUndoManagerKeymap, ...searchKeymap, ...defaultKeymap]),
        markdown({ base: markdownLanguage }),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({
          "aria-label": "Document text (Markdown)",
          ...(describedBy ? { "aria-describedby": describedBy } : {}),
        }),
        // Awareness is given to our own cursor plugin (CSP-safe colours), not to yCollab.
        yCollab(ytext, null, { undoManager }),
        yRemoteSelectionsTheme,
        remoteCursors(awareness),
        commentMarks,
        EditorView.updateListener.of((update) => {
          if (update.selectionSet || update.docChanged) onSelection(update.state);
        }),
        access.of(editable(!readOnly)),
      ],
    }),
  });
  return {
    view,
    setReadOnly(readOnly) {
      view.dispatch({ effects: access.reconfigure(editable(!readOnly)) });
    },
  };
}
