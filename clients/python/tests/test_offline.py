"""The client's own logic against a stand-in transport (no server): SSE, retries, paging."""
import asyncio
import json

import httpx
import pytest

import agentline
from agentline import Agentline, AsyncAgentline

CALL = {"id": "call_1", "status": "queued", "from": "+14155550150", "to": "+14155550100"}


def stand_in(routes):
    """A transport answering `routes[(method, path)]` (a list of answers, used in order)."""
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answers = routes[(request.method, request.url.path)]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return answer(request) if callable(answer) else answer

    return httpx.MockTransport(handle), seen


def client(transport, **kw):
    return Agentline(api_key="al_test_x", base_url="http://agentline.test", http_client=httpx.Client(transport=transport), **kw)


def sse(*events):
    body = ": keep-alive\n\n" + "".join(
        f"id: evt_{i}\nevent: {e['type']}\ndata: {json.dumps(e)}\n\n" for i, e in enumerate(events)
    )
    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body.encode())


def test_wait_follows_the_stream_and_answers_the_ended_call():
    ended = dict(CALL, status="completed", end_reason="caller_hangup", summary="done", answered_at="t")
    transport, seen = stand_in({
        ("GET", "/v1/calls/call_1"): [httpx.Response(200, json=CALL), httpx.Response(200, json=ended)],
        ("GET", "/v1/calls/call_1/events"): [sse({"type": "call.ringing", "status": "ringing"},
                                                 {"type": "call.completed", "status": "completed"})],
    })
    events = []
    done = client(transport).calls.wait("call_1", timeout=5, on_event=events.append)
    assert done.status == "completed" and done.summary == "done" and done.from_ == "+14155550150"
    assert [e["type"] for e in events] == ["call.ringing", "call.completed"]
    assert seen[1].headers["accept"] == "text/event-stream"


def test_wait_polls_when_there_is_no_stream_and_times_out():
    transport, _ = stand_in({
        ("GET", "/v1/calls/call_1"): [httpx.Response(200, json=CALL)],
        ("GET", "/v1/calls/call_1/events"): [httpx.Response(200, json={"data": []})],
    })
    with pytest.raises(agentline.WaitTimeout):
        client(transport).calls.wait("call_1", timeout=0.5, poll_interval=0.1)


def test_429_is_retried_after_retry_after_and_5xx_only_when_safe():
    transport, seen = stand_in({
        ("GET", "/v1/agents/agt_1"): [
            httpx.Response(429, headers={"retry-after": "0"}, json={"error": {"code": "rate_limit_exceeded", "message": "slow"}}),
            httpx.Response(503, json={"error": {"code": "server_error", "message": "x"}}),
            httpx.Response(200, json={"id": "agt_1", "name": "Riley"}),
        ],
        ("POST", "/v1/agents"): [httpx.Response(500, json={"error": {"code": "server_error", "message": "boom"}})],
        ("POST", "/v1/calls"): [httpx.Response(502, text="bad gateway"), httpx.Response(201, json=CALL)],
    })
    c = client(transport, max_retries=2)
    assert c.agents.get("agt_1").name == "Riley"
    with pytest.raises(agentline.InternalServerError) as err:
        c.agents.create(name="x")  # not idempotent: not repeated
    assert err.value.code == "server_error" and sum(r.url.path == "/v1/agents" for r in seen) == 1
    assert c.calls.create(agent_id="agt_1", to="+14155550100").id == "call_1"
    posts = [r for r in seen if r.url.path == "/v1/calls"]
    assert len(posts) == 2 and posts[0].headers["idempotency-key"] == posts[1].headers["idempotency-key"]


def test_rate_limit_error_carries_retry_after():
    transport, _ = stand_in({("GET", "/v1/calls/call_1"): [
        httpx.Response(429, headers={"retry-after": "120"}, json={"error": {"code": "rate_limit_exceeded", "message": "m"}})]})
    with pytest.raises(agentline.RateLimitError) as err:
        client(transport).calls.get("call_1")
    assert err.value.retry_after == 120 and err.value.status == 429


def test_bad_answers_raise_clear_errors():
    transport, _ = stand_in({("GET", "/v1/calls"): [httpx.Response(200, json={"nope": 1})],
                             ("GET", "/v1/agents/agt_1"): [httpx.Response(404, text="<html>gone</html>")]})
    with pytest.raises(agentline.APIError) as err:
        list(client(transport).calls.list())
    assert err.value.code == "invalid_response"
    with pytest.raises(agentline.NotFoundError) as missing:
        client(transport).agents.get("agt_1")
    assert missing.value.code == "unknown_error" and "gone" in missing.value.message


def test_lists_follow_the_cursor():
    def page(request):
        after = request.url.params.get("after")
        if after is None:
            return httpx.Response(200, json={"data": [{"id": "c3"}, {"id": "c2"}], "has_more": True, "next_cursor": "c2", "limit": 2})
        assert after == "c2" and request.url.params["limit"] == "2"
        return httpx.Response(200, json={"data": [{"id": "c1"}], "has_more": False, "next_cursor": None, "limit": 2})

    transport, _ = stand_in({("GET", "/v1/contacts"): [page]})
    assert [c.id for c in client(transport).contacts.list(limit=2)] == ["c3", "c2", "c1"]

    async def main():
        async_client = AsyncAgentline(api_key="k", base_url="http://agentline.test", http_client=httpx.AsyncClient(transport=transport))
        return [c.id async for c in async_client.contacts.list(limit=2)]

    assert asyncio.run(main()) == ["c3", "c2", "c1"]
