// Text and lists shown around the editor: the status line and "Who's here".

/** The status line: what "Saved" means is in DESIGN §2 (every local change acknowledged). */
export function statusText({ phase, pending, role }) {
  if (phase === "connecting") return "Connecting…";
  if (phase === "stopped") return "Stopped";
  if (phase === "offline") {
    if (!pending) return "Offline";
    return `Offline — ${pending} ${pending === 1 ? "change" : "changes"} not saved yet`;
  }
  if (role !== "editor") {
    if (!pending) return "Showing the live draft";
    return `${pending} ${pending === 1 ? "change" : "changes"} not saved: you can no longer edit`;
  }
  return pending ? "Saving…" : "Saved";
}

const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

/**
 * Everyone whose awareness state we hold, one entry per person (several tabs count once), you
 * first. Names and colours were set by the server from the signed-in accounts, so they can be
 * trusted — but they are still inserted as text, never as markup.
 */
export function renderWho(list, awareness) {
  const people = new Map();
  awareness.getStates().forEach((state, clientId) => {
    const user = state && state.user;
    if (!user || typeof user.name !== "string") return;
    const key = user.id == null ? `client:${clientId}` : `user:${user.id}`;
    const you = clientId === awareness.clientID || Boolean(people.get(key)?.you);
    people.set(key, { name: user.name, color: user.color, you });
  });
  const sorted = [...people.values()].sort((a, b) => (b.you - a.you) || a.name.localeCompare(b.name));
  list.replaceChildren(...sorted.map(personItem));
}

function personItem({ name, color, you }) {
  const item = document.createElement("li");
  const swatch = document.createElement("span");
  swatch.className = "who-swatch";
  swatch.setAttribute("aria-hidden", "true");
  // CSSOM, not a style attribute: CSP (style-src 'self') allows the former only.
  if (HEX_COLOUR.test(color || "")) swatch.style.backgroundColor = color;
  item.append(swatch, ` ${name}`);
  if (you) {
    const note = document.createElement("span");
    note.className = "who-you";
    note.textContent = " (you)";
    item.append(note);
  }
  return item;
}
