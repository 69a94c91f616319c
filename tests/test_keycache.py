"""The solved keys kept across calls (screening._KeyCache): least recently used go first, and
each look-up-and-mark is one step, so threads (the web workbench) never find a key vanish
between looking it up and marking it."""

from __future__ import annotations

import threading

from earlog.engine.keyed import KeyResult
from earlog.engine.screening import _KeyCache


def _res(n: int) -> KeyResult:
    return KeyResult(memberships=(("alloc", n, n, 10),))


def test_recall_marks_a_key_recent_so_trimming_forgets_the_others_first() -> None:
    c = _KeyCache()
    for n in range(3):
        c.keep(("k", n), _res(n))
    assert c.recall(("k", 0)) is not None  # 0 is now the most recent
    c.trim(2)
    assert ("k", 1) not in c
    assert [r.memberships[0][1] for r in c.values()] == [2, 0]
    assert c.recall(("k", 1)) is None


def test_threads_recalling_keeping_and_trimming_at_once_never_fail() -> None:
    c = _KeyCache()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(t: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(3000):
                k = ("k", n % 5)
                if c.recall(k) is None:
                    c.keep(k, _res(n))
                c.trim(2)
        except BaseException as e:  # noqa: BLE001 - any failure in a thread fails the test
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert len(c) <= 2


def test_clear_forgets_every_key() -> None:
    c = _KeyCache()
    c.keep(("k",), _res(1))
    c.clear()
    assert len(c) == 0 and c.recall(("k",)) is None
