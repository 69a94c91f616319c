"""VEU portfolio limits (policy/veu_limits.lp): "keep at least 75% of their controlled advanced
chips within the United States and certain allied and partner countries, and ... prohibited from
installing more than 7% of their controlled chips in any single other country" (seed 003);
"US-headquartered UVEUs must retain at least 50% in the United States" (seed 001); NVEU "installed
based TPP cap ... on a per-company and per-country basis" (seed 004, no figure given)."""

from __future__ import annotations

from typing import Any

from earlog.commands.veu_limits import veu_limits_report


def plan(deployment: dict[str, int], hq: str = "US", veu: str = "UVEU", **params: int) -> dict[str, Any]:
    return {"parameters": params,
            "parties": [{"id": "v", "hq": hq, "veu": {"type": veu, "locations": ["IN"]}, "deployment": deployment}]}


def status(r: dict[str, Any]) -> dict[tuple[str, ...], tuple[str, str]]:
    return {(lim["limit"], *([lim["country"]] if "country" in lim else [])): (lim["status"], lim["rule"])
            for lim in r["limits"]}


def test_uveu_all_limits_met_and_headroom_past_2_31() -> None:
    """Totals past 2^31: IN holds exactly 7% of 4,000,000,000 (met), so nothing more can go there."""
    r = veu_limits_report(plan({"US": 3_000_000_000, "GB": 720_000_000, "IN": 280_000_000}), "v", "IN")
    assert r["total_tpp"] == 4_000_000_000
    st = status(r)
    assert st[("tier1_share",)] == ("met", "uveu_limits.tier1_share")
    assert st[("us_share",)] == ("met", "uveu_limits.us_hq_share")
    assert st[("single_country", "IN")] == ("met", "uveu_limits.single_country")
    assert r["headroom"]["IN"]["tpp"] == 0


def test_single_country_7_percent_boundary() -> None:
    """7,000 of 100,000 is exactly 7% (met); 7,001 of 100,001 is over."""
    st = status(veu_limits_report(plan({"US": 93_000, "IN": 7_000}), "v"))
    assert st[("single_country", "IN")] == ("met", "uveu_limits.single_country")
    st = status(veu_limits_report(plan({"US": 93_000, "IN": 7_001}), "v"))
    assert st[("single_country", "IN")] == ("breached", "uveu_limits.single_country_breached")


def test_tier1_75_percent_and_us_50_percent() -> None:
    # non-US UVEU: 75,000 of 100,000 in Tier 1 (GB) is met; 74,999 breached; no US-share limit
    st = status(veu_limits_report(plan({"GB": 75_000, "IN": 5_000, "BR": 5_000, "MX": 5_000, "SA": 5_000,
                                        "AE": 5_000}, hq="GB"), "v"))
    assert st[("tier1_share",)] == ("met", "uveu_limits.tier1_share") and ("us_share",) not in st
    st = status(veu_limits_report(plan({"GB": 74_999, "IN": 5_001, "BR": 5_000, "MX": 5_000, "SA": 5_000,
                                        "AE": 5_000}, hq="GB"), "v"))
    assert st[("tier1_share",)] == ("breached", "uveu_limits.tier1_share_breached")
    # US-headquartered: 49,999 of 100,000 in the US breaches the 50% share
    st = status(veu_limits_report(plan({"US": 49_999, "GB": 50_001}), "v"))
    assert st[("us_share",)] == ("breached", "uveu_limits.us_hq_share_breached")


def test_headroom_to_a_named_country() -> None:
    """US 1,000,000, GB 200,000, IN 50,000, BR 60,000: IN can take (7 x 1,310,000 - 100 x 50,000) / 93
    = 44,838 more before 7%; a country not in the plan is added with 0; Tier 1 GB is bounded only by the US
    share: 2 x 1,000,000 - 1,310,000 = 690,000."""
    d = {"US": 1_000_000, "GB": 200_000, "IN": 50_000, "BR": 60_000}
    r = veu_limits_report(plan(d), "v", "IN")
    assert r["headroom"]["IN"]["tpp"] == 44_838
    assert min(r["headroom"]["IN"]["bounds"], key=lambda b: b["bound_tpp"])["rule"] == \
        "uveu_headroom.single_country_bound"
    assert veu_limits_report(plan(d), "v", "GB")["headroom"]["GB"]["tpp"] == 690_000
    assert veu_limits_report(plan(d), "v", "US")["headroom"]["US"]["tpp"] == "unbounded"
    assert veu_limits_report(plan(d), "v", "CN")["headroom"]["CN"]["tpp"] == 0  # Tier 3


def test_nveu_cap_is_a_parameter_without_published_value() -> None:
    r = veu_limits_report(plan({"IN": 3_000_000_000}, hq="IN", veu="NVEU"), "v")
    assert status(r)[("country_cap", "IN")] == ("unknown", "nveu_limits.cap_unpublished")
    assert r["headroom"]["IN"]["tpp"] == "unknown"
    r = veu_limits_report(plan({"IN": 3_000_000_000}, hq="IN", veu="NVEU", nveu_country_cap_tpp=4_000_000_000), "v")
    assert status(r)[("country_cap", "IN")] == ("met", "nveu_limits.country_cap")
    assert r["headroom"]["IN"]["tpp"] == 1_000_000_000
    r = veu_limits_report(plan({"IN": 3_000_000_000}, hq="IN", veu="NVEU", nveu_country_cap_tpp=2_000_000_000), "v")
    assert status(r)[("country_cap", "IN")] == ("breached", "nveu_limits.country_cap_breached")


def test_a_shipment_past_a_limit_names_the_limit_and_the_shares() -> None:
    """Seed 003: UVEUs are "prohibited from installing more than 7% of their controlled chips in any single
    other country": US 800,000,000, BR 50,000,000, IN 40,000,000 (BR 5.61%); 1,000 H100s to Brazil take
    it to 65,832,000 of 905,832,000 TPP (7.26%), so the UVEU does not cover them."""
    import earlog

    s = plan({"US": 800_000_000, "BR": 50_000_000, "IN": 40_000_000})
    s["items"] = [{"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}]
    s["transactions"] = [{"id": "t1", "kind": "export", "item": "h100", "quantity": 1000, "from": "US", "to": "BR",
                          "consignee": "v", "end_user": "v", "end_use": "inference", "date": "2025-06-01"}]
    v = earlog.evaluate(s)[0].to_json()
    u = v["veu"]["UVEU"]
    assert [f.split(":")[0] for f in u["failed"]] == ["uveu.single_country"]
    assert ("[single_country: 50,000,000 of 890,000,000 TPP (5.61%) before, 65,832,000 of 905,832,000 TPP (7.26%) "
            "after; limit at most 7%]") in u["failed"][0]
    lim = {x["limit"]: x for x in u["limits"]}["single_country"]
    assert (lim["after_tpp"], lim["after_total_tpp"], lim["after_share_bp"], lim["value"], lim["exceeded"]) == (
        65_832_000, 905_832_000, 726, 7, True)
    assert v["authorization"] != "UVEU"


def test_an_unpublished_nveu_cap_cannot_cover_a_shipment() -> None:
    """Seed 004: NVEUs receive ICs "up to an installed based TPP cap" whose figure no seed gives: earlog fails
    closed and says so in the failed condition."""
    import earlog

    s = plan({}, hq="IN", veu="NVEU")
    s["items"] = [{"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}]
    s["transactions"] = [{"id": "t1", "kind": "export", "item": "h100", "quantity": 1000, "from": "US", "to": "IN",
                          "consignee": "v", "end_user": "v", "end_use": "inference", "date": "2025-06-01"}]
    s["parties"][0]["located"] = "IN"
    n = earlog.evaluate(s)[0].to_json()["veu"]["NVEU"]
    assert n["available"] is False
    assert "unknown cap cannot cover a shipment" in n["failed"][0]
