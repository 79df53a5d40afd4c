// The comments panel's filters (templates/comments/_panel.html), read from the page address the
// same way the server reads them (wiki/comments/queries.py, Filters.from_mapping), so a thread that
// arrives live is shown only if the server would have listed it under the same filters.

const ONLY = new Set(["1", "true", "yes", "on"]);
const NOT = new Set(["0", "false", "no"]);

/** {section, status, perspective, orphaned: true | false | null, active} from a query string. */
export function activeFilters(search = window.location.search) {
  const args = new URLSearchParams(search);
  const status = args.get("status") || "";
  const orphaned = (args.get("orphaned") || "").toLowerCase();
  const filters = {
    section: (args.get("section") || "").slice(0, 200),
    status: status === "open" || status === "resolved" ? status : "",
    perspective: (args.get("perspective") || "").slice(0, 40),
    orphaned: ONLY.has(orphaned) ? true : NOT.has(orphaned) ? false : null,
  };
  filters.active = Boolean(filters.section || filters.status || filters.perspective || filters.orphaned !== null);
  return filters;
}

/** Does a thread element (templates/comments/_thread.html) pass the filters? */
export function matches(thread, filters) {
  if (filters.section && thread.dataset.section !== filters.section) return false;
  if (filters.status && thread.dataset.status !== filters.status) return false;
  if (filters.perspective) {
    const shown = [...thread.querySelectorAll("[data-perspective]")].map((comment) => comment.dataset.perspective);
    if (!shown.includes(filters.perspective)) return false;
  }
  if (filters.orphaned === null) return true;
  return (thread.dataset.anchorState === "orphaned") === filters.orphaned;
}
