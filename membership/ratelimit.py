"""Fixed-window counters in the shared cache: the app's own rate limits.

allauth limits its own views; the app's endpoints (counter lookups, the SMS ceiling, the
"already a member" notice) count here. Windows are aligned to the clock
(``now() // seconds``), so a count belongs to one window and expires with it, and tests can
move the clock. With Redis ``incr`` is atomic across processes; the database cache may
under-count a little under races, which only makes a limit slightly softer.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def now() -> float:
    """The clock every window is cut from (tests move it by replacing ``time`` here)."""
    return time.time()


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int

    def key(self, prefix: str) -> str:
        return f"rl:{prefix}:{self.seconds}:{int(now() // self.seconds)}"


def parse_rates(text: str) -> list[Rate]:
    """``"100/10m,300/h"`` (allauth's notation without its "per" part) as rates."""
    rates = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        amount, duration = part.strip().split("/")
        rates.append(
            Rate(amount=int(amount), seconds=int(duration[:-1] or 1) * _UNITS[duration[-1]])
        )
    return rates


def is_limited(prefix: str, rates: list[Rate]) -> bool:
    """Whether a window of ``rates`` is full (one cache round trip, nothing counted)."""
    keys = {rate: rate.key(prefix) for rate in rates}
    counts = cache.get_many(list(keys.values()))
    return any(int(counts.get(key, 0)) >= rate.amount for rate, key in keys.items())


def hit(prefix: str, rates: list[Rate]) -> dict[Rate, int]:
    """Count one event in every rate's current window; the counts after it."""
    counts = {}
    for rate in rates:
        key = rate.key(prefix)
        # add() creates the window with its expiry once; incr() keeps that expiry.
        cache.add(key, 0, timeout=rate.seconds + 60)
        try:
            counts[rate] = cache.incr(key)
        except ValueError:  # evicted between add() and incr()
            cache.add(key, 1, timeout=rate.seconds + 60)
            counts[rate] = 1
    return counts


def take(prefix: str, rates: list[Rate]) -> bool:
    """Count one event if every window has room, else False.

    A refused event is not counted (someone limited who keeps trying is not pushed into the
    longer windows). When two processes race for the last place, the count after the
    increment decides, so a limit is never exceeded.
    """
    if is_limited(prefix, rates):
        return False
    counts = hit(prefix, rates)
    return all(count <= rate.amount for rate, count in counts.items())
