"""RasaClient under load: at most MAX_IN_FLIGHT turns reach Rasa at once, and a turn that waited
past the timeout for its turn is answered by the safety net without ever reaching Rasa."""

from __future__ import annotations

from collections.abc import Awaitable

import anyio
import httpx
import pytest

from api.rasa_client import RasaClient, RasaUnavailable


class SlowRasa:
    """A Rasa that takes `delay` seconds per message and counts how many it holds at once."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.now = self.most = self.received = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received += 1
        self.now += 1
        self.most = max(self.most, self.now)
        await anyio.sleep(self.delay)
        self.now -= 1
        return httpx.Response(200, json=[{"text": "hello"}])


async def burst(rasa: SlowRasa, turns: int, timeout: float, limit: int) -> list[object]:
    results: list[object] = []
    async with httpx.AsyncClient(transport=httpx.MockTransport(rasa)) as http:
        client = RasaClient(http, "http://rasa", "", timeout, max_in_flight=limit)

        async def one(i: int) -> None:
            try:
                results.append(await client.send(f"s{i}", "hi"))
            except RasaUnavailable as error:
                results.append(error)

        async with anyio.create_task_group() as group:
            for i in range(turns):
                group.start_soon(one, i)
    return results


def test_at_most_the_limit_reach_rasa_at_once() -> None:
    rasa = SlowRasa(0.02)
    results = anyio.run(burst, rasa, 20, 5.0, 3)
    assert rasa.most == 3
    assert all(isinstance(r, list) for r in results)


def test_a_turn_that_waited_past_the_timeout_never_reaches_rasa() -> None:
    rasa = SlowRasa(0.5)

    async def scenario() -> tuple[object, object]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(rasa)) as http:
            client = RasaClient(http, "http://rasa", "", 5.0, max_in_flight=1)
            first: list[object] = []
            async with anyio.create_task_group() as group:
                group.start_soon(lambda: _into(first, client.send("a", "hi")))
                await anyio.sleep(0.05)  # the first turn holds the only slot for 0.5 s
                client.timeout = 0.1
                with pytest.raises(RasaUnavailable):
                    await client.send("b", "hi")
            return first[0], rasa.received

    answer, received = anyio.run(scenario)
    assert answer == [{"text": "hello"}]
    assert received == 1, "the turn that timed out waiting was sent to Rasa"


async def _into(out: list[object], call: Awaitable[object]) -> None:
    out.append(await call)


@pytest.mark.parametrize("limit", [1, 8])
def test_the_limit_does_not_slow_a_single_turn(limit: int) -> None:
    rasa = SlowRasa(0.0)
    assert anyio.run(burst, rasa, 1, 1.0, limit) == [[{"text": "hello"}]]
