"""Referral agencies and consent as data (flows/referrals.yaml, app/content/agencies.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.content.agencies import agencies_problems, load_agencies, parse_agencies
from app.flows import FlowError

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def raw() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((FLOWS / "referrals.yaml").read_text("utf-8"))
    return loaded


def test_the_shipped_agencies_are_the_ones_partnerships_refer_to() -> None:
    agencies = load_agencies(FLOWS)
    assert list(agencies.names) == ["marac", "idva", "police", "childrens_services", "housing",
                                    "refuge"]
    assert set(agencies.shares) == {"risk", "notes"}
    choice = agencies.survivor_choice
    assert choice is not None
    # The conversation's own consent question (flows/person.yaml) and its answers.
    assert (choice.choice, choice.given, choice.withdrawn) == (
        "share_with_police_or_marac", "agreed", "refused")
    assert choice.agencies == ("police", "marac")
    assert "share_with_police_or_marac, value: agreed" in (FLOWS / "person.yaml").read_text(
        "utf-8")


@pytest.mark.parametrize(("change", "where"), [
    ({"agencies": []}, "agencies"),
    ({"shares": {}}, "shares"),
    ({"agencies": [{"id": "Police", "name": "Police"}]}, "agencies"),
    ({"survivor_choice": {"choice": "x", "given": "y", "withdrawn": "z",
                          "agencies": ["nobody"]}}, "survivor_choice.agencies"),
])
def test_a_broken_file_is_refused_naming_the_key(change: dict[str, object], where: str) -> None:
    with pytest.raises(FlowError) as refused:
        parse_agencies({**raw(), **change}, "referrals.yaml")
    assert refused.value.where == where


def test_flows_check_reports_a_missing_file(tmp_path: Path) -> None:
    (found,) = agencies_problems(tmp_path)
    assert "is missing" in found[1]
    assert agencies_problems(FLOWS) == []
