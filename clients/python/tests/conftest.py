"""The tests run against a real agentline server (scripts/test-clients.sh starts one):

    AGENTLINE_TEST_URL          the server, e.g. http://127.0.0.1:18080
    AGENTLINE_TEST_API_KEY      a test key (al_test_…): calls go to the sandbox
    AGENTLINE_TEST_ADMIN_TOKEN  the same account's admin token (keys)

The server runs the sandbox fast (`AGENTLINE_SANDBOX__SPEED`), so a call ends within a second.
"""
import os
import random

import pytest

from agentline import Agentline

URL = os.environ.get("AGENTLINE_TEST_URL")
KEY = os.environ.get("AGENTLINE_TEST_API_KEY")
ADMIN = os.environ.get("AGENTLINE_TEST_ADMIN_TOKEN")


def pytest_collection_modifyitems(config, items):
    if URL and KEY:
        return
    skip = pytest.mark.skip(reason="needs a server: AGENTLINE_TEST_URL and AGENTLINE_TEST_API_KEY (scripts/test-clients.sh)")
    for item in items:
        if "server" in item.fixturenames or "client" in item.fixturenames or "admin" in item.fixturenames:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def client():
    with Agentline(api_key=KEY, base_url=URL) as c:
        yield c


@pytest.fixture(scope="session")
def admin():
    with Agentline(api_key=ADMIN, base_url=URL) as c:
        yield c


def phone() -> str:
    return "+1415" + str(random.randint(2000000, 9999999))


@pytest.fixture(scope="session")
def agent(client):
    agent = client.agents.create(
        name="Riley",
        first_message="Hi {{name}}, this is Riley.",
        brain={"type": "script", "branches": [], "fallback": "Sorry?"},
    )
    client.numbers.create(phone_number=phone(), agent_id=agent.id, label="python tests")
    return agent
