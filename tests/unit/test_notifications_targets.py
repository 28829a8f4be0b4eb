"""Server-side request forgery: which addresses a webhook may be sent to. Loopback, private,
link-local (cloud metadata), multicast, unspecified and reserved addresses are refused — also
when hidden in an IPv6 form — unless the operator allows their network explicitly; one inside
address among a name's addresses is enough to refuse it; only plain http(s) URLs are taken."""

from __future__ import annotations

import ipaddress

import pytest

from services.notifications.domain.targets import (
    TargetRefused,
    check_addresses,
    parse_networks,
    parse_target,
    refusal,
)
from shared.config import ConfigError, Settings


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.0.1", "a private address"),
        ("fd00::1", "a private address"),
        ("169.254.169.254", "a link-local address"),  # cloud metadata
        ("fe80::1", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),  # noqa: S104 - an address refused, not bound
        ("::", "an unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("100.64.0.1", "a non-public address"),  # carrier-grade NAT
        ("192.0.2.10", "a private address"),  # documentation
        ("::ffff:127.0.0.1", "a loopback address"),  # IPv4-mapped
        ("::ffff:10.1.2.3", "a private address"),
        ("64:ff9b::a9fe:a9fe", "a link-local address"),  # NAT64 of 169.254.169.254
        ("2002:a00:1::1", "a private address"),  # 6to4 of 10.0.0.1
        ("fec0::1", "a site-local address"),  # deprecated, yet routed in some networks
    ],
)
def test_an_inside_address_is_refused(address: str, why: str) -> None:
    assert refusal(ipaddress.ip_address(address)) == why


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_a_public_address_may_be_called(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_only_the_networks_explicitly_allowed_are_let_in() -> None:
    loopback_v4 = parse_networks(["127.0.0.0/8"])
    assert refusal(ipaddress.ip_address("127.0.0.1"), loopback_v4) is None
    assert refusal(ipaddress.ip_address("::1"), loopback_v4) == "a loopback address"
    assert refusal(ipaddress.ip_address("::ffff:127.0.0.1"), loopback_v4) is None
    regional = parse_networks(["10.20.0.0/16"])
    assert refusal(ipaddress.ip_address("10.20.3.4"), regional) is None
    assert refusal(ipaddress.ip_address("10.21.3.4"), regional) == "a private address"


def test_one_inside_address_among_a_names_addresses_refuses_it() -> None:
    public, inside = ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.0.0.7")
    check_addresses([public], ())
    with pytest.raises(TargetRefused, match="a private address"):
        check_addresses([public, inside], ())
    with pytest.raises(TargetRefused, match="does not resolve"):
        check_addresses([], ())


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://example.org/", "Only https and http"),
        ("javascript:alert(1)", "Only https and http"),
        ("//example.org/hook", "Only https and http"),
        ("https://", "names no host"),
        ("https://user:pw@example.org/", "Credentials"),
        ("https://example.org/#frag", "fragment"),
        ("https://example.org:99999/", "Not a valid URL"),
    ],
)
def test_only_plain_http_urls_with_a_host_are_taken(url: str, why: str) -> None:
    with pytest.raises(TargetRefused, match=why):
        parse_target(url)


def test_a_request_is_pinned_to_the_address_that_was_checked() -> None:
    target = parse_target("https://hooks.example.org/in?x=1")
    assert (target.host, target.port, target.path) == ("hooks.example.org", 443, "/in?x=1")
    assert target.pinned_url(ipaddress.ip_address("93.184.215.14")) == (
        "https://93.184.215.14:443/in?x=1"
    )
    assert (
        parse_target("http://[2001:db8::1]:8080").pinned_url(ipaddress.ip_address("2001:db8::1"))
        == "http://[2001:db8::1]:8080/"
    )


def test_the_allowed_networks_setting_must_name_networks() -> None:
    settings = Settings.from_env({"TURVAVERKKO_WEBHOOK_ALLOWED_NETWORKS": "10.20.0.0/16, ::1/128"})
    assert settings.webhook_allowed_networks == ("10.20.0.0/16", "::1/128")
    with pytest.raises(ConfigError, match="WEBHOOK_ALLOWED_NETWORKS"):
        Settings.from_env({"TURVAVERKKO_WEBHOOK_ALLOWED_NETWORKS": "the intranet"})
