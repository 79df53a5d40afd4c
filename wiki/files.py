"""Small file helpers shared by the app factory and the CLI."""

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Create the file readable by its owner only from the start (no window with umask's 0644)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an older file may have been created with wider permissions
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
