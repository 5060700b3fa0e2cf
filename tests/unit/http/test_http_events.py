"""`/events` as API.md states it: publishing, and following a channel as Server-Sent Events."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from dependency_injector import providers
from falcon import testing

from composition.root import Assembly
from domain.model.events import BusMessage
from ports.errors import BackendUnavailable
from ports.event_bus import EventBus, Subscription
from tests.support.asgi import http_scope
from tests.unit.http.conftest import ADMIN, Rebuild, assert_problem, error_fields, login


class Stream:
    """What a client of the event stream has received so far."""

    def __init__(self, result: testing.StreamedResult) -> None:
        self.result = result
        self.received = b""

    async def wait_for(self, text: str, timeout_seconds: float = 2.0) -> None:
        async with asyncio.timeout(timeout_seconds):
            while text.encode() not in self.received:
                self.received += await self.result.stream.read()
                await asyncio.sleep(0.001)


@asynccontextmanager
async def follow(api: testing.ASGIConductor, channel: str) -> AsyncIterator[Stream]:
    async with api.simulate_get_stream("/events/stream", params={"channel": channel}) as result:
        stream = Stream(result)
        await stream.wait_for(f": subscribed to {channel}")
        yield stream


async def test_a_published_message_reaches_the_stream(api: testing.ASGIConductor) -> None:
    async with follow(api, "alerts") as stream:
        published = await api.simulate_post(
            "/events/alerts", json={"type": "disk.full", "payload": {"host": "db1"}}, headers=ADMIN
        )
        await stream.wait_for('event: disk.full\ndata: {"host":"db1"}\n\n')

    assert published.status_code == 202
    assert published.json == {"channel": "alerts", "type": "disk.full"}
    assert stream.result.status_code == 200
    assert stream.result.headers["content-type"] == "text/event-stream"


async def test_posting_a_notice_streams_notice_created(api: testing.ASGIConductor) -> None:
    async with follow(api, "notices") as stream:
        await api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=ADMIN)
        await stream.wait_for('event: notice.created\ndata: {"id":1,"title":"t"')


async def test_a_stream_ends_after_its_maximum_life(rebuild: Rebuild) -> None:
    app = rebuild(sse_max_stream_seconds=0.2).app()
    sent: list[dict[str, Any]] = []

    requested = False

    async def never_disconnects() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = http_scope("GET", "/events/stream", query=b"channel=short")
    async with asyncio.timeout(5):
        await app(scope, never_disconnects, send)  # returns: the server ends the stream

    body = b"".join(message.get("body", b"") for message in sent)
    assert sent[0]["status"] == 200
    assert b": subscribed to short" in body
    assert sent[-1] == {"type": "http.response.body"}


async def test_an_idle_stream_sends_keep_alive_comments(api: testing.ASGIConductor) -> None:
    async with follow(api, "quiet") as stream:
        await stream.wait_for(": keep-alive\n\n")


async def test_the_channel_named_stream_can_be_published_on(api: testing.ASGIConductor) -> None:
    async with follow(api, "stream") as stream:
        published = await api.simulate_post(
            "/events/stream", json={"type": "t", "payload": {}}, headers=ADMIN
        )
        await stream.wait_for("event: t\ndata: {}\n\n")

    assert published.status_code == 202


@pytest.mark.parametrize("query", ["", "channel=", "channel=a.b", "channel=a&channel=b"])
async def test_a_bad_channel_is_422(api: testing.ASGIConductor, query: str) -> None:
    assert error_fields(await api.simulate_get("/events/stream", query_string=query)) == ["channel"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": "a\nevent: forged", "payload": {}}, ["type"]),
        ({"type": "", "payload": {}}, ["type"]),
        ({"type": "t" * 65, "payload": {}}, ["type"]),
        ({"type": "t", "payload": [1]}, ["payload"]),
        ({"type": "t"}, ["payload"]),
    ],
)
async def test_a_bad_message_is_422(
    api: testing.ASGIConductor, body: dict[str, object], fields: list[str]
) -> None:
    assert (
        error_fields(await api.simulate_post("/events/alerts", json=body, headers=ADMIN)) == fields
    )


async def test_publishing_needs_the_admin_token(api: testing.ASGIConductor) -> None:
    message = {"type": "t", "payload": {}}

    assert_problem(await api.simulate_post("/events/alerts", json=message), 401)
    user = await login(api)
    assert_problem(await api.simulate_post("/events/alerts", json=message, headers=user), 403)


class UnreachableBus(EventBus):
    async def publish(self, message: BusMessage) -> None:
        raise BackendUnavailable("bus down")

    async def close(self) -> None:
        return None

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        return RefusedSubscription()


class RefusedSubscription(AbstractAsyncContextManager[Subscription]):
    async def __aenter__(self) -> Subscription:
        raise BackendUnavailable("bus down")

    async def __aexit__(self, *exc_info: object) -> None:
        return None


async def test_an_unreachable_bus_is_503_for_both_sides(assembly: Assembly) -> None:
    assembly.adapters.bus.override(providers.Object(UnreachableBus()))
    async with testing.ASGIConductor(assembly.app()) as api:
        published = await api.simulate_post(
            "/events/alerts", json={"type": "t", "payload": {}}, headers=ADMIN
        )
        followed = await api.simulate_get("/events/stream", params={"channel": "alerts"})

    for result in (published, followed):
        assert_problem(result, 503)
        assert result.headers["retry-after"] == "1"


async def test_shutting_the_bus_down_ends_the_stream(rebuild: Rebuild) -> None:
    # With a 60 s keep-alive a client's disconnect goes unnoticed for 60 s: ending within 2 s
    # shows that the closing bus ended the stream.
    assembly = rebuild(sse_keepalive_seconds=60)
    async with testing.ASGIConductor(assembly.app()) as api, follow(api, "alerts") as stream:
        await assembly.adapters.bus().close()
        async with asyncio.timeout(2):
            await stream.result.finalize()
