"""Live co-editing: Yjs documents on the server (pycrdt), their update log, and the /collab channel."""
