"""The thinnest end-to-end path: JSON in, policy, verdict out."""

from conftest import scenario, verdict


def test_brazilian_cloud_small_order_goes_under_lpp():
    # seed 004: LPP "authorizes the export ... directly to any single ultimate consignee located
    # in a Tier 1 or 2 destination ... up to a cumulative TPP of 26,900,000 per year"
    v = verdict(scenario())
    assert v["license_required"] is True
    assert v["requirements"] == [{"rule": "req.rs_worldwide", "cite": v["requirements"][0]["cite"]}]
    assert v["exceptions"]["LPP"]["available"] is True
    assert v["exceptions"]["LPP"]["rule"] == "lpp.available"
    assert v["outcome"] == "authorized_by_exception"
    assert v["authorization"] == "LPP"
