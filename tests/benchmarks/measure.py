"""Timing for the benchmarks: every figure is several rounds of one action, printed as
min / median / max, and ratios are of medians measured in the same run."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

ROUNDS = 7


def measured(action: Callable[[], object], *, before=None, rounds: int = ROUNDS) -> list[float]:
    """Seconds ``action`` took in each round (after one round to warm up); ``before`` runs
    ahead of each round, untimed."""
    if before:
        before()
    action()
    seconds = []
    for _ in range(rounds):
        if before:
            before()
        started = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - started)
    return seconds


def median(seconds: list[float]) -> float:
    return statistics.median(seconds)


def show(label: str, seconds: list[float], width: int = 36) -> None:
    low, mid, high = (value * 1000 for value in (min(seconds), median(seconds), max(seconds)))
    print(f"  {label:<{width}} min {low:7.1f}   median {mid:7.1f}   max {high:7.1f} ms")


def show_ratio(label: str, numerator: list[float], denominator: list[float], target: str = "",
               width: int = 36) -> float:
    ratio = median(numerator) / median(denominator)
    print(f"  {label:<{width}} {ratio:6.2f}" + (f"   (target {target})" if target else ""))
    return ratio


class EventLoop:
    """One asyncio event loop running in its own thread for a whole benchmark, so that an async
    client keeps its connections from one round to the next, as a long-lived script would."""

    def __init__(self):
        import asyncio
        import threading

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine):
        import asyncio

        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
