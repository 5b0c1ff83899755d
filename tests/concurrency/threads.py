"""Run calls in real threads that start together (PostgreSQL race tests)."""

import threading

from django.db import connections


def run_together(calls, *, timeout: float = 60):
    """Each call in its own thread, released at once; returns results or raised exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
