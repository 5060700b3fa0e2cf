"""`/events` as API.md states it: publishing, and following a channel as Server-Sent Events."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from dependency_injector import providers
from falcon import testing

from composition.root import Assembly
from composition.settings import Profile, Settings
from domain.model.events import BusMessage, EventId
from ports.errors import BackendUnavailable
from ports.event_bus import EventBus, Subscription
from tests.http.conftest import (
    ADMIN,
    Rebuild,
    assert_problem,
    error_fields,
    flush_redis,
    login,
)
from tests.support.asgi import http_scope


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

    @property
    def events(self) -> list[dict[str, str]]:
        """The complete events received so far, each as its fields (comments left out)."""
        blocks = self.received.decode().split("\n\n")[:-1]
        fields = [
            dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
            for block in blocks
        ]
        return [event for event in fields if "event" in event]

    async def wait_for_events(self, count: int) -> list[dict[str, str]]:
        async with asyncio.timeout(2):
            while len(self.events) < count:
                self.received += await self.result.stream.read()
                await asyncio.sleep(0.001)
        return self.events


@asynccontextmanager
async def follow(
    api: testing.ASGIConductor, channel: str, last_event_id: str | None = None
) -> AsyncIterator[Stream]:
    headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else None
    async with api.simulate_get_stream(
        "/events/stream", params={"channel": channel}, headers=headers
    ) as result:
        stream = Stream(result)
        await stream.wait_for(f": subscribed to {channel}")
        yield stream


async def publish(api: testing.ASGIConductor, channel: str, n: int) -> None:
    published = await api.simulate_post(
        f"/events/{channel}", json={"type": "tick", "payload": {"n": n}}, headers=ADMIN
    )
    assert published.status_code == 202


async def test_a_published_message_reaches_the_stream(api: testing.ASGIConductor) -> None:
    async with follow(api, "alerts") as stream:
        published = await api.simulate_post(
            "/events/alerts", json={"type": "disk.full", "payload": {"host": "db1"}}, headers=ADMIN
        )
        [event] = await stream.wait_for_events(1)

    assert published.status_code == 202
    assert published.json == {"channel": "alerts", "type": "disk.full"}
    assert stream.result.status_code == 200
    assert stream.result.headers["content-type"] == "text/event-stream"
    assert stream.received.startswith(b": subscribed to alerts\nretry: 1000\n\n")
    assert event["event"] == "disk.full"
    assert event["data"] == '{"host":"db1"}'
    assert EventId.parse(event["id"]) > EventId.ORIGIN


async def test_a_client_coming_back_with_last_event_id_gets_what_it_missed(
    api: testing.ASGIConductor,
) -> None:
    async with follow(api, "alerts") as first:
        for n in range(3):
            await publish(api, "alerts", n)
        seen = await first.wait_for_events(3)
    await publish(api, "alerts", 3)  # while the client is away

    async with follow(api, "alerts", last_event_id=seen[0]["id"]) as again:
        await publish(api, "alerts", 4)
        replayed = await again.wait_for_events(4)
        await asyncio.sleep(0.05)  # a duplicate would be here by now

    assert [event["data"] for event in again.events] == [f'{{"n":{n}}}' for n in range(1, 5)]
    assert [event["id"] for event in replayed[:2]] == [seen[1]["id"], seen[2]["id"]]
    ids = [EventId.parse(event["id"]) for event in replayed]
    assert ids == sorted(set(ids))


async def test_a_last_event_id_no_longer_kept_starts_with_a_reset(
    api: testing.ASGIConductor,
) -> None:
    async with follow(api, "alerts") as first:
        await publish(api, "alerts", 0)
        [newest] = await first.wait_for_events(1)

    async with follow(api, "alerts", last_event_id="999999999999999-0") as again:
        await publish(api, "alerts", 1)
        reset, live = await again.wait_for_events(2)

    assert reset == {"event": "reset", "id": newest["id"], "data": '{"reason":"gap"}'}
    assert (live["event"], live["data"]) == ("tick", '{"n":1}')


@pytest.mark.parametrize(
    "value",
    ["1", "abc", "-1-0", "1-", "a-1", "1-1x", "1-0, 2-0", "1234567890123456-0", "0-0", "9" * 5000],
)
async def test_a_last_event_id_the_history_cannot_place_is_200_and_a_reset(
    api: testing.ASGIConductor, value: str
) -> None:
    """Malformed, unknown, 0-0: never an error status (EventSource would give up for good),
    a reset first, then live events."""
    await publish(api, "alerts", 0)

    async with follow(api, "alerts", last_event_id=value) as again:
        await publish(api, "alerts", 1)
        reset, live = await again.wait_for_events(2)

    assert again.result.status_code == 200
    assert (reset["event"], reset["data"]) == ("reset", '{"reason":"gap"}')
    assert (live["event"], live["data"]) == ("tick", '{"n":1}')
    assert EventId.parse(reset["id"]) < EventId.parse(live["id"])


async def test_an_id_from_before_the_history_was_lost_is_a_reset(
    api: testing.ASGIConductor, profile_settings: Settings
) -> None:
    """Publish e1, e2, e3; Redis loses everything; publish e4; a client back with e1's id must
    learn that e2 and e3 are gone, not get e4 as if nothing had been missed."""
    if profile_settings.profile is Profile.MEMORY:
        pytest.skip("the in-process history is never lost")
    async with follow(api, "alerts") as first:
        for n in range(1, 4):
            await publish(api, "alerts", n)
        seen = await first.wait_for_events(3)
    assert await flush_redis(profile_settings)
    await publish(api, "alerts", 4)

    async with follow(api, "alerts", last_event_id=seen[0]["id"]) as again:
        await publish(api, "alerts", 5)
        reset, live = await again.wait_for_events(2)

    assert reset["event"] == "reset", again.received
    assert (live["event"], live["data"]) == ("tick", '{"n":5}')


async def test_posting_a_notice_streams_notice_created(api: testing.ASGIConductor) -> None:
    async with follow(api, "notices") as stream:
        await api.simulate_post("/notices", json={"title": "t", "body": "b"}, headers=ADMIN)
        [event] = await stream.wait_for_events(1)

    assert event["event"] == "notice.created"
    assert event["data"].startswith('{"id":1,"title":"t"')


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
        [event] = await stream.wait_for_events(1)

    assert published.status_code == 202
    assert (event["event"], event["data"]) == ("t", "{}")


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
    async def publish(self, message: BusMessage) -> EventId:
        raise BackendUnavailable("bus down")

    async def close(self) -> None:
        return None

    def subscribe(
        self, channel: str, *, after: EventId | None = None
    ) -> AbstractAsyncContextManager[Subscription]:
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
