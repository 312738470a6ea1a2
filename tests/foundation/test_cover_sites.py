"""`[cover]`: the built-in cover sites and what a deployment may change (issue 19, item 3)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.cover_sites import BUILT_IN
from app.deployment import DeploymentConfigError, parse_deployment
from app.deployment.cover import cover_text_names_the_service

# What a look at the page must never read, whatever the deployment (the title check of
# issue 12, now over every text of every cover), and a few words a hobby site has no use for.
NAMES_THE_SERVICE = ("quietline", "abuse", "domestic", "refuge", "helpline", "police",
                     "violence", "chat", "help", "support", "safe", "safety", "advice",
                     "advocate", "victim", "survivor", "crisis", "emergency", "escape")
PHONE_LIKE = re.compile(r"\d[\d ()-]{6,}\d")


def deployment_with(cover: dict[str, Any]) -> dict[str, Any]:
    return {"organisation": {"name": "Northvale Partnership"}, "cover": cover}


def test_there_are_at_least_three_built_in_covers() -> None:
    assert {"kitchen", "garden", "walking"} <= set(BUILT_IN)


@pytest.mark.parametrize("site", sorted(BUILT_IN))
def test_every_text_of_every_built_in_cover_names_nothing(site: str) -> None:
    cover = parse_deployment(deployment_with({"site": site})).cover
    assert cover == BUILT_IN[site]
    for where, text in cover.texts().items():
        words = set(re.findall(r"[a-z]+", text.casefold()))
        assert not [w for w in NAMES_THE_SERVICE if w in words or
                    (len(w) > 6 and w in text.casefold())], (site, where, text)
        assert not cover_text_names_the_service(text, "Northvale Partnership"), (where, text)
        assert not PHONE_LIKE.search(text), f"{site} {where}: no phone numbers on a cover"


@pytest.mark.parametrize("site", sorted(BUILT_IN))
def test_every_built_in_cover_is_a_small_site(site: str) -> None:
    cover = BUILT_IN[site]
    assert len(cover.sections) >= 2
    assert all(len(section.posts) >= 2 for section in cover.sections)
    assert cover.about
    assert cover.contact
    assert cover.footer
    assert cover.chat_link
    anchors = [s.anchor for s in cover.sections] + ["about", "contact", "top", "ask"]
    assert len(set(anchors)) == len(anchors)
    dates = [post.date for section in cover.sections for post in section.posts]
    assert len(set(dates)) > 1


def test_without_a_cover_section_the_kitchen_is_shown() -> None:
    assert parse_deployment(deployment_with({})).cover == BUILT_IN["kitchen"]


def test_a_deployment_picks_a_cover_and_replaces_its_texts() -> None:
    cover = parse_deployment(deployment_with({
        "site": "walking", "title": "Ashdown Walkers", "icon_text": "AW",
        "paragraphs": ["We walk on Sundays."], "about": ["Founded in 2001."],
        "contact": ["Meet by the church gate."], "accent": "#224466",
    })).cover
    assert (cover.site, cover.title, cover.icon_text) == ("walking", "Ashdown Walkers", "AW")
    assert cover.paragraphs == ("We walk on Sundays.",)
    assert (cover.about, cover.contact) == (("Founded in 2001.",), ("Meet by the church gate.",))
    assert cover.accent == "#224466"
    assert cover.sections == BUILT_IN["walking"].sections


@pytest.mark.parametrize("site", sorted(BUILT_IN))
def test_an_organisation_name_inside_a_longer_word_is_not_a_mention(site: str) -> None:
    # "The latest from the beds" does not name an organisation called "Test".
    raw = {"organisation": {"name": "Test"}, "cover": {"site": site}}
    assert parse_deployment(raw).cover == BUILT_IN[site]


def test_an_unknown_cover_is_refused_with_the_choices() -> None:
    with pytest.raises(DeploymentConfigError, match=r"cover\.site: 'bakery' is not one of "
                                                    r"garden, kitchen, walking"):
        parse_deployment(deployment_with({"site": "bakery"}))


@pytest.mark.parametrize(("key", "value"), [
    ("title", "Domestic abuse support"),
    ("title", "Quietline"),
    ("about", ["We help anyone who needs it."]),
    ("heading", "Northvale Partnership recipes"),
    ("tagline", "Talk to someone safely: chat now"),
    ("chat_link", "Get help"),
    ("paragraphs", ["Recipes.", "If you need support, we are here."]),
    ("contact", ["Call the police on 999."]),
    ("footer", "A safe space"),
])
def test_a_text_that_names_the_service_or_what_it_is_for_is_refused(key: str,
                                                                    value: Any) -> None:
    with pytest.raises(DeploymentConfigError, match=rf"cover\.{key}"):
        parse_deployment(deployment_with({key: value}))


@pytest.mark.parametrize(("key", "value", "why"), [
    ("accent", "green", "must be a colour"),
    ("icon_text", "ABCD", "one to three characters"),
    ("title", "  ", "must not be empty"),
    ("language", "English", "language code"),
    ("paragraphs", "one string", "must be list"),
    ("site", 3, "must be str"),
])
def test_malformed_cover_settings_are_refused(key: str, value: Any, why: str) -> None:
    with pytest.raises(DeploymentConfigError, match=rf"cover\.{key}: .*{why}"):
        parse_deployment(deployment_with({key: value}))
