"""Items from several producers, each run on a thread of its own, to one consuming thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def fan_in(producers: Iterable[Callable[[], Iterable[T]]], queued: int) -> Iterator[T]:
    """What every producer yields, each producer iterated on a thread of its own, as it comes
    (at most ``queued`` waiting); a producer's error is raised here, in the consuming thread.

    Two C-level queues instead of one bounded ``queue.Queue`` (whose locking is Python code,
    paid twice for every item: on fal-dense history nearly every object is one): ``found``
    carries the items, ``room`` one token for each free place.
    """
    found: queue.SimpleQueue[T | BaseException | None] = queue.SimpleQueue()
    room: queue.SimpleQueue[None] = queue.SimpleQueue()
    for _ in range(queued):
        room.put(None)

    def produce(producer: Callable[[], Iterable[T]]) -> None:
        try:
            for item in producer():
                room.get()
                found.put(item)
        except BaseException as error:  # handed to the consuming thread
            found.put(error)
        finally:
            found.put(None)

    threads = [threading.Thread(target=produce, args=(producer,), daemon=True) for producer in producers]
    for thread in threads:
        thread.start()
    running = len(threads)
    while running:
        item = found.get()
        if item is None:
            running -= 1
        elif isinstance(item, BaseException):
            raise item
        else:
            room.put(None)
            yield item
    for thread in threads:
        thread.join()
