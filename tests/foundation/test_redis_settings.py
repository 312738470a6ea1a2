"""REDIS_SENTINELS and REDIS_SENTINEL_MASTER: parsed once, refused clearly when malformed."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_settings


def test_without_sentinels_the_url_is_used(environ: dict[str, str]) -> None:
    settings = load_settings(environ)
    assert settings.redis_sentinels == ()
    assert settings.redis_sentinel_master == "quietline"


def test_sentinels_are_host_port_pairs(environ: dict[str, str]) -> None:
    environ["REDIS_SENTINELS"] = "10.0.0.1:26379, sentinel-b:26380,[::1]:26381"
    environ["REDIS_SENTINEL_MASTER"] = "partnership"
    settings = load_settings(environ)
    assert settings.redis_sentinels == (("10.0.0.1", 26379), ("sentinel-b", 26380),
                                        ("::1", 26381))
    assert settings.redis_sentinel_master == "partnership"


@pytest.mark.parametrize("listed", ["sentinel-a", "sentinel-a:", ":26379", "a:0", "a:70000",
                                    "a:port"])
def test_a_malformed_sentinel_is_refused_naming_the_setting(
        environ: dict[str, str], listed: str) -> None:
    environ["REDIS_SENTINELS"] = listed
    with pytest.raises(ConfigError, match="REDIS_SENTINELS"):
        load_settings(environ)
