"""Where notifications may go, when they are tried again, and who is told: pure rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from service.domain.actors import Actor
from service.domain.errors import Forbidden, InvalidInput
from service.domain.notifications import (
    Audience,
    EndpointPolicy,
    RetrySchedule,
    Subscriber,
    check_event_types,
    entitled,
    subscriber_of,
)

PRODUCTION = EndpointPolicy(production=True)
DEVELOPMENT = EndpointPolicy(production=False)


def refusal(policy: EndpointPolicy, scheme: str, host: str, *addresses: str) -> str | None:
    try:
        policy.check(scheme, host, list(addresses))
    except InvalidInput as refused:
        return refused.code
    return None


class TestEndpoints:
    def test_production_takes_https_to_public_addresses(self) -> None:
        assert refusal(PRODUCTION, "https", "hooks.example.org", "93.184.216.34") is None

    @pytest.mark.parametrize(
        ("address", "code"),
        [
            ("10.0.0.5", "endpoint-private-address"),
            ("192.168.1.1", "endpoint-private-address"),
            ("127.0.0.1", "endpoint-private-address"),
            ("169.254.10.1", "endpoint-private-address"),
            ("::1", "endpoint-private-address"),
            ("fe80::1", "endpoint-private-address"),
            ("169.254.169.254", "endpoint-metadata-address"),
            ("fd00:ec2::254", "endpoint-metadata-address"),
        ],
    )
    def test_production_refuses_private_link_local_and_metadata(
        self, address: str, code: str
    ) -> None:
        assert refusal(PRODUCTION, "https", "hooks.example.org", address) == code

    def test_one_private_address_among_public_ones_is_refused(self) -> None:
        found = refusal(PRODUCTION, "https", "h.example.org", "93.184.216.34", "10.0.0.5")
        assert found == "endpoint-private-address"

    def test_production_refuses_http_even_to_loopback(self) -> None:
        assert refusal(PRODUCTION, "http", "127.0.0.1", "127.0.0.1") == "endpoint-not-https"

    def test_an_allow_list_names_private_hosts_or_networks(self) -> None:
        by_name = EndpointPolicy(production=True, allowed=("hooks.internal",))
        by_network = EndpointPolicy(production=True, allowed=("10.8.0.0/16",))
        assert refusal(by_name, "https", "HOOKS.internal", "10.8.1.2") is None
        assert refusal(by_network, "https", "hooks.internal", "10.8.1.2") is None
        assert refusal(by_network, "https", "other", "10.9.1.2") == "endpoint-private-address"
        assert refusal(by_name, "http", "hooks.internal", "10.8.1.2") == "endpoint-not-https"

    def test_development_takes_http_to_loopback_only(self) -> None:
        assert refusal(DEVELOPMENT, "http", "localhost", "127.0.0.1", "::1") is None
        assert refusal(DEVELOPMENT, "http", "box", "10.0.0.5") == "endpoint-not-https"
        assert refusal(DEVELOPMENT, "https", "box", "10.0.0.5") is None


class TestRetrySchedule:
    schedule = RetrySchedule(
        base=timedelta(seconds=5),
        cap=timedelta(hours=1),
        window=timedelta(hours=26),
        disable_after=timedelta(days=3),
    )

    def test_waits_grow_exponentially_with_jitter_up_to_the_cap(self) -> None:
        draw = random.Random(7)
        for attempt, full in [(1, 5), (2, 10), (3, 20), (10, 2560), (11, 3600), (60, 3600)]:
            wait = self.schedule.wait(attempt, draw).total_seconds()
            assert full / 2 <= wait <= full

    def test_tries_for_more_than_a_day_before_giving_up(self) -> None:
        start = datetime(2026, 11, 29, tzinfo=UTC)
        now, attempt = start, 1
        while not self.schedule.gives_up(start, now):
            now += self.schedule.wait(attempt, random.Random(attempt))
            attempt += 1
        assert now - start >= timedelta(hours=24)
        assert 30 <= attempt <= 60  # every 30 to 60 minutes once the cap is reached

    def test_a_subscription_failing_past_the_limit_is_disabled(self) -> None:
        since = datetime(2026, 11, 29, tzinfo=UTC)
        assert not self.schedule.disables(since, since + timedelta(days=2))
        assert self.schedule.disables(since, since + timedelta(days=3))


class TestWhoIsTold:
    def test_an_authority_party_to_the_case(self) -> None:
        bristol = Subscriber("authority", "801")
        assert entitled(bristol, Audience({"authority": frozenset({"933", "801"})}))
        assert not entitled(bristol, Audience({"authority": frozenset({"933"})}))
        assert not entitled(bristol, Audience({"partner": frozenset({"801"})}))

    @pytest.mark.parametrize("role", ["mash", "auditor"])
    def test_subscriptions_are_for_case_systems(self, role: str) -> None:
        with pytest.raises(Forbidden) as refused:
            subscriber_of(Actor("x", role, "933" if role == "mash" else None))
        assert refused.value.code == "subscriptions-not-for-role"

    def test_event_types_are_checked_and_kept_once(self) -> None:
        assert check_event_types(["CaseOpened", "CaseOpened"]) == ["CaseOpened"]
        with pytest.raises(InvalidInput) as refused:
            check_event_types(["CaseEaten"])
        assert refused.value.code == "unknown-event-type"
