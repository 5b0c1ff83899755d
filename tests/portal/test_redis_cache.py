"""The Redis cache production uses (portal.cache.RedisCache): Django's, with its redis-py
client objects kept rather than built again for every call. Needs a Redis server
(TEST_REDIS_URL, else database 15 at 127.0.0.1:6379); skipped without one. Only its own
keys are written and removed."""

import os
import threading
import uuid

import pytest
import redis

from portal.cache import RedisCache

URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


@pytest.fixture
def cache():
    server = redis.Redis.from_url(URL, socket_connect_timeout=1)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server")
    prefix = f"test-{uuid.uuid4().hex}"
    yield RedisCache(URL, {"KEY_PREFIX": prefix})
    for key in server.scan_iter(f"{prefix}:*"):
        server.delete(key)


def test_it_answers_like_djangos_redis_cache(cache):
    assert cache.get("k") is None
    cache.set("k", {"points": 12}, 30)
    assert cache.get("k") == {"points": 12}
    assert cache.add("k", "other", 30) is False
    assert cache.add("n", 1, 30) is True
    assert cache.incr("n") == 2
    assert cache.get_many(["k", "n", "missing"]) == {"k": {"points": 12}, "n": 2}
    cache.delete("k")
    assert cache.get("k", "gone") == "gone"


def test_one_client_object_serves_every_call(cache):
    client = cache._cache.get_client("a")
    cache.set("a", 1, 30)
    cache.get("a")

    assert cache._cache.get_client("b", write=True) is client


def test_threads_share_the_client(cache):
    errors = []

    def work(n: int) -> None:
        try:
            for i in range(50):
                cache.set(f"t{n}-{i}", i, 30)
                assert cache.get(f"t{n}-{i}") == i
        except Exception as error:  # reported below, from the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
