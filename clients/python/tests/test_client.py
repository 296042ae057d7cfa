"""The Python client against a real agentline server."""
import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest

import agentline
from agentline import AsyncAgentline, Agentline, models, webhooks

from conftest import ADMIN, KEY, URL, phone


def test_a_call_is_placed_followed_to_its_end_and_read(client, agent):
    call = client.calls.create(agent_id=agent.id, to="+14155550100", variables={"name": "Ada"}, metadata={"ref": "py"})
    assert isinstance(call, models.CallView)
    assert call.id.startswith("call_") and call.status == "queued" and call.mode == "test"
    assert call.from_ and call.agent.id == agent.id and call.metadata == {"ref": "py"}

    events = []
    done = client.calls.wait(call.id, timeout=60, on_event=events.append)
    assert done.status == "completed" and done.end_reason == "caller_hangup", done
    assert done.ended_at and done.duration is not None
    assert client.calls.get(call.id).status == "completed"

    log = client.calls.events(call.id)
    types = [e.type for e in log.data]
    # The log ends with the call's end, or with its analysis (call.analyzed) once that has run.
    assert types[0] == "call.queued" and "call.completed" in types, types
    assert types[-1] in ("call.completed", "call.analyzed"), types
    assert all(isinstance(e, models.CallEventRecord) for e in log.data)
    assert all(isinstance(e, dict) for e in events)

    transcript = client.calls.transcript(call.id)
    assert isinstance(transcript, models.Transcript)
    assert transcript.call_id == call.id and transcript.status == "completed"
    assert isinstance(transcript.turns, list) and isinstance(transcript.text, str)
    assert isinstance(client.calls.transcript_text(call.id), str)

    # A sped-up sandbox call carries no audio: no recording, and the error says so.
    try:
        audio = client.calls.recording(call.id)
        assert audio[:4] == b"RIFF"
    except agentline.NotFoundError as err:
        assert err.status == 404 and err.code == "recording_not_found"


def test_waiting_follows_the_live_stream(client, agent):
    call = client.calls.create(agent_id=agent.id, to="+14155550119")  # hangs up after 9 s (0.9 s sped up)
    seen = []
    done = client.calls.wait(call.id, timeout=60, on_event=lambda e: seen.append(e.get("type")))
    assert done.status == "completed"
    assert seen and seen[-1] == "call.completed", seen


def test_waiting_times_out_and_ending_a_call_twice_is_a_conflict(client, agent):
    call = client.calls.create(agent_id=agent.id, to="+14155550107")  # stays on the line
    with pytest.raises(agentline.WaitTimeout) as timeout:
        client.calls.wait(call.id, timeout=1.0)
    assert isinstance(timeout.value, TimeoutError) and timeout.value.call.id == call.id
    ended = client.calls.end(call.id)
    assert ended.status in ("completed", "canceled") and ended.end_reason in ("ended_by_api", "canceled")
    with pytest.raises(agentline.ConflictError) as conflict:
        client.calls.end(call.id)
    assert conflict.value.status == 409 and conflict.value.code == "call_already_ended"
    assert client.calls.wait(call.id, timeout=5).status == ended.status


def test_a_call_is_transferred_to_a_person(client, agent):
    call = client.calls.create(agent_id=agent.id, to="+14155550107")  # stays on the line
    for _ in range(100):
        if client.calls.get(call.id).status == "in_progress":
            break
        time.sleep(0.1)
    accepted = client.calls.transfer(call.id, to="+14155550117", mode="warm", whisper="Ada wants Friday.")
    assert accepted.id == call.id
    done = client.calls.wait(call.id, timeout=60)
    assert (done.end_reason, done.transfer.status, done.transfer.method) == ("transferred", "transferred", "bridge")
    with pytest.raises(agentline.ConflictError) as conflict:
        client.calls.transfer(call.id, to="+14155550117")
    assert conflict.value.code == "call_not_answered"


def test_waiting_falls_back_to_polling(client, agent, monkeypatch):
    monkeypatch.setattr(Agentline, "_follow", lambda self, *a: False)
    call = client.calls.create(agent_id=agent.id, to="+14155550101")  # busy
    events = []
    done = client.calls.wait(call.id, timeout=30, poll_interval=0.1, on_event=events.append)
    assert done.status == "busy" and done.end_reason == "busy"


def test_errors_are_typed(client, agent):
    with pytest.raises(agentline.NotFoundError) as missing:
        client.calls.get("call_" + "0" * 32)
    err = missing.value
    assert isinstance(err, agentline.APIError) and err.status == 404 and err.code == "not_found" and err.message

    with pytest.raises(agentline.BadRequestError) as bad:
        client.calls.create(agent_id=agent.id, to="555-1234")
    assert bad.value.code == "invalid_phone_number" and bad.value.param == "to"

    with pytest.raises(agentline.NotFoundError) as no_agent:
        client.calls.create(agent_id="agt_" + "0" * 32, to="+14155550100")
    assert no_agent.value.code == "agent_not_found"

    with Agentline(api_key="al_test_not_a_key", base_url=URL, max_retries=0) as stranger:
        with pytest.raises(agentline.AuthenticationError) as auth:
            stranger.agents.list().first_page()
    assert auth.value.status == 401 and auth.value.code == "invalid_key"

    with pytest.raises(agentline.PermissionDeniedError) as denied:
        client.keys.list().first_page()  # the admin token's
    assert denied.value.code == "permission_denied"

    with Agentline(api_key=KEY, base_url="http://127.0.0.1:9", max_retries=0) as nowhere:
        with pytest.raises(agentline.APIConnectionError):
            nowhere.agents.get(agent.id)


def test_rate_limits_raise_with_retry_after_and_are_retried(client):
    # Failed authentications have a budget per address (30 a minute): spend it.
    with Agentline(api_key="al_test_wrong", base_url=URL, max_retries=0) as stranger:
        limited = None
        for _ in range(60):
            try:
                stranger.agents.list().first_page()
            except agentline.RateLimitError as err:
                limited = err
                break
            except agentline.AuthenticationError:
                continue
    assert limited is not None, "no 429 after 60 failed authentications"
    assert limited.status == 429 and limited.code == "rate_limit_exceeded"
    assert limited.retry_after is not None and limited.retry_after >= 1
    # With retries the client waits as told, then gets the real answer.
    with Agentline(api_key="al_test_wrong", base_url=URL, max_retries=3) as patient:
        started = time.monotonic()
        with pytest.raises(agentline.AuthenticationError):
            patient.agents.list().first_page()
        assert time.monotonic() - started >= 0.9
    # Valid keys never wait on that budget.
    assert client.agents.list().first_page() is not None


def test_lists_page_by_themselves(client):
    tag = "py-" + uuid.uuid4().hex[:8]
    made = [client.contacts.create(phone_number=phone(), name=f"Lead {i}", lead_status=tag).id for i in range(5)]
    listing = client.contacts.list(limit=2, lead_status=tag)
    pages = list(listing.pages())
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [c.id for c in client.contacts.list(limit=2, lead_status=tag)]
    assert ids == list(reversed(made)), "newest first, every item once"
    assert all(isinstance(c, models.Contact) for p in pages for c in p)


def test_calls_list_pages_and_filters(client, agent):
    for to in ("+14155550103", "+14155550105", "+14155550101"):
        client.calls.wait(client.calls.create(agent_id=agent.id, to=to).id, timeout=30)
    calls = list(client.calls.list(limit=1, agent_id=agent.id))
    assert len(calls) >= 3 and len({c.id for c in calls}) == len(calls)
    busy = list(client.calls.list(status="busy", limit=100))
    assert busy and all(c.status == "busy" for c in busy)


def test_idempotent_creates_make_one_call(client, agent):
    key = "py-" + uuid.uuid4().hex
    first = client.calls.create(agent_id=agent.id, to="+14155550103", idempotency_key=key)
    again = client.calls.create(agent_id=agent.id, to="+14155550103", idempotency_key=key)
    assert first.id == again.id
    with pytest.raises(agentline.UnprocessableEntityError) as reused:
        client.calls.create(agent_id=agent.id, to="+14155550104", idempotency_key=key)
    assert reused.value.code == "idempotency_key_reused"


def test_agents_numbers_and_contacts_round_trip(client):
    agent = client.agents.create(name="Temp", instructions="Be brief.", metadata={"team": "a"})
    assert isinstance(agent, models.Agent) and agent.brain["type"] == "script"
    assert client.agents.get(agent.id).name == "Temp"
    updated = client.agents.update(agent.id, name="Temp 2", first_message=None)
    assert updated.name == "Temp 2" and updated.instructions == "Be brief."
    number = client.numbers.create(phone_number=phone(), agent_id=agent.id)
    assert number.agent_id == agent.id and number.carrier == "sandbox"
    assert client.numbers.update(number.id, label="desk").label == "desk"
    assert list(client.numbers.calls(number.id)) == []
    assert client.agents.delete(agent.id).deleted is True
    assert client.numbers.get(number.id).agent_id is None
    assert client.numbers.delete(number.id).id == number.id
    contact = client.contacts.create(phone_number=phone(), lead_score=40, custom_fields={"plan": "gold"})
    assert client.contacts.update(contact.id, lead_score=90).lead_score == 90
    client.contacts.delete(contact.id)
    with pytest.raises(agentline.NotFoundError):
        client.contacts.get(contact.id)


def test_webhook_endpoints_and_verifying_deliveries(client):
    endpoint = client.webhook_endpoints.create(url="https://example.com/hooks", event_types=["call.completed"])
    assert endpoint.secret.startswith("whsec_") and endpoint.enabled
    assert client.webhook_endpoints.secret(endpoint.id).secret == endpoint.secret
    assert endpoint.id in [e.id for e in client.webhook_endpoints.list()]
    assert client.webhook_endpoints.update(endpoint.id, enabled=False).enabled is False
    rotated = client.webhook_endpoints.rotate_secret(endpoint.id)
    assert rotated.secret != endpoint.secret

    body = json.dumps({"type": "call.completed", "data": {"call_id": "call_x"}}).encode()
    now = int(time.time())
    key = base64.b64decode(rotated.secret[len("whsec_"):])
    signature = base64.b64encode(hmac.new(key, f"msg_1.{now}.".encode() + body, hashlib.sha256).digest()).decode()
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": f"v1,bad v1,{signature}"}
    assert webhooks.verify(body, headers, rotated.secret)["type"] == "call.completed"
    with pytest.raises(agentline.WebhookVerificationError):
        webhooks.verify(body + b" ", headers, rotated.secret)
    with pytest.raises(agentline.WebhookVerificationError):
        webhooks.verify(body, dict(headers, **{"webhook-timestamp": str(now - 3600)}), rotated.secret)
    assert client.webhook_endpoints.delete(endpoint.id).deleted


def test_the_standard_webhooks_reference_example():
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    assert webhooks.verify('{"test": 2432232314}', headers, secret, now=1614265330) == {"test": 2432232314}


@pytest.mark.skipif(not ADMIN, reason="needs AGENTLINE_TEST_ADMIN_TOKEN")
def test_keys_are_made_and_revoked_with_the_admin_token(admin):
    made = admin.keys.create(name="py tests", mode="test", scopes=["agents:read"])
    assert made.key.startswith("al_test_") and made.is_active
    with Agentline(api_key=made.key, base_url=URL) as narrow:
        narrow.agents.list().first_page()
        with pytest.raises(agentline.PermissionDeniedError):
            narrow.contacts.list().first_page()
        assert made.id in [k.id for k in admin.keys.list()]
        assert admin.keys.revoke(made.id).revoked_at
        with pytest.raises(agentline.AuthenticationError):
            narrow.agents.list().first_page()


def test_models_tolerate_fields_added_later():
    call = models.CallView.from_dict({"id": "call_1", "status": "completed", "sentiment": "positive", "agent": {"id": "a", "name": "R", "x": 1}})
    assert call.sentiment == "positive" and call.extra == {"sentiment": "positive"}
    assert call.agent.extra == {"x": 1} and call["sentiment"] == "positive"


def test_the_async_client(agent):
    async def main():
        async with AsyncAgentline(api_key=KEY, base_url=URL) as client:
            call = await client.calls.create(agent_id=agent.id, to="+14155550119")
            events = []

            async def note(event):
                events.append(event["type"])

            done = await client.calls.wait(call.id, timeout=60, on_event=note)
            assert done.status == "completed" and "call.completed" in events
            ids = [c.id async for c in client.calls.list(limit=2)]
            assert call.id in ids and len(ids) == len(set(ids))
            with pytest.raises(agentline.NotFoundError):
                await client.agents.get("agt_" + "0" * 32)
            assert (await client.calls.transcript(call.id)).call_id == call.id

    asyncio.run(main())


def test_a_campaign_calls_its_csv_rows(client, agent):
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    offset = 12 - time.gmtime().tm_hour  # a zone where it is about noon: the window is open
    zone = f"Etc/GMT-{offset}" if offset >= 0 else f"Etc/GMT+{-offset}"
    campaign = client.campaigns.create(
        name="Python", agent_id=agent.id, window={"start": "08:00", "end": "21:00", "days": every_day},
        calls_per_minute=6000, variables={"name": "Ada"},
    )
    assert campaign.status == "draft"
    with pytest.raises(agentline.BadRequestError) as bad:
        client.campaigns.add_contacts(campaign.id, csv=f"phone_number,timezone\n+14155550119,{zone}\n,{zone}\n")
    assert bad.value.status == 400
    added = client.campaigns.add_contacts(campaign.id, csv=f"phone_number,timezone\n+14155550119,{zone}\n+14155550113,{zone}\n")
    assert added.added == 2
    client.campaigns.start(campaign.id)
    for _ in range(300):
        now = client.campaigns.get(campaign.id)
        if now.status == "completed":
            break
        time.sleep(0.1)
    assert (now.status, now.counts.completed) == ("completed", 2)
    page = client.campaigns.contacts(campaign.id)
    assert [c.state for c in page.data] == ["completed", "completed"]
