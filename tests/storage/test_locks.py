"""The deployment-wide singleton lock: one holder at a time, released on exit, on both backends."""

from __future__ import annotations

from storage.engine import make_engine
from storage.locks import lock_key, try_singleton_lock


def test_lock_key_is_stable_and_distinct() -> None:
    assert lock_key("telegram-polling") == lock_key("telegram-polling")
    assert lock_key("telegram-polling") != lock_key("other")
    assert -(2**63) <= lock_key("telegram-polling") < 2**63


async def test_one_holder_at_a_time(db_url: str) -> None:
    # Two engines stand for two processes: separate connections (PG sessions) and separate open files.
    first, second = make_engine(db_url), make_engine(db_url)
    try:
        async with try_singleton_lock(first, "telegram-polling") as held:
            assert held is True
            async with try_singleton_lock(second, "telegram-polling") as other:
                assert other is False
            async with try_singleton_lock(second, "another-job") as unrelated:
                assert unrelated is True
        # Released on exit: the other process may take over.
        async with try_singleton_lock(second, "telegram-polling") as taken_over:
            assert taken_over is True
    finally:
        await first.dispose()
        await second.dispose()


async def test_pg_lock_is_not_left_on_a_pooled_connection(db_url: str) -> None:
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    other = make_engine(db_url)
    try:
        async with try_singleton_lock(engine, "job") as held:
            assert held
        # The one pooled connection of `engine` is reused; the lock must not have stayed with it.
        async with try_singleton_lock(other, "job") as held_elsewhere:
            assert held_elsewhere
    finally:
        await engine.dispose()
        await other.dispose()
