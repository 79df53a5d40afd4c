"""Small helpers shared by the real-server tests (convergence, crash, scale-out)."""

import time
from concurrent.futures import ThreadPoolExecutor


def in_parallel(function, items) -> list:
    """Run `function` over `items` at once (connecting or disconnecting many clients is slow)."""
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


def wait_until(predicate, timeout: float, step: float = 0.02) -> bool:
    """Poll until `predicate()` holds or `timeout` seconds pass; the last answer is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
