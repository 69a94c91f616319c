"""The keyed engine's contract with the policy: decision keys, the fast-path refusal,
cross-transaction conclusions, and the Screener API the `earlog screen` command uses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from earlog.engine import load_policy, solve
from earlog.engine.contract import FastPathRefused, contract
from earlog.engine.screening import Screener, ScreenRow
from earlog.errors import InputError
from earlog.scenario.json_input import scenario_from_dict
from earlog.scenario.model import Scenario
from earlog.verdict import VERDICT_READS, build_verdicts

POLICY = Path(__file__).resolve().parent.parent / "policy"
H100 = {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"}


def _tx(tid: str, consignee: str, qty: int = 10, **extra) -> dict:
    t = {"id": tid, "kind": "export", "item": "h100", "quantity": qty, "from": "US", "to": "BR",
         "consignee": consignee, "end_use": "inference", "date": "2025-06-01",
         "prior_notification": True, "prior_certification": True}
    t.update(extra)
    return t


def _keys(sc_dict: dict) -> list[bytes]:
    """The decision key of each transaction (closure digest and own fields, dates as the policy reads them)."""
    sc = scenario_from_dict(sc_dict)
    s = Screener(sc)
    from earlog.engine.screening import _tx_refs, _tx_values

    return [(s._closure_list[s._closure(_tx_refs(t))].digest, s.field_keys.key(_tx_values(t)))
            for t in sc.transactions]


# --- decision keys ---------------------------------------------------------------

def test_renamed_parties_share_a_key() -> None:
    """Two deals with different party names but the same facts share one key (and one solve)."""
    parties = [{"id": "acme", "hq": "BR", "parent": "mega"}, {"id": "mega", "hq": "BR"},
               {"id": "zeta", "hq": "BR", "parent": "omni"}, {"id": "omni", "hq": "BR"}]
    sc = {"parties": parties, "items": [H100], "transactions": [_tx("a", "acme"), _tx("b", "zeta")]}
    k = _keys(sc)
    assert k[0] == k[1]
    s = Screener(scenario_from_dict(sc))
    verdicts = dict(s.screen(ScreenRow(i, t) for i, t in enumerate(scenario_from_dict(sc).transactions)))
    assert s.stats["keys"] == 1 and len(verdicts) == 2
    assert verdicts[0].transaction == "a" and verdicts[1].transaction == "b"


def test_a_fact_the_policy_reads_changes_the_key() -> None:
    """The ultimate parent's headquarters is read (tier3_entity, LPP): a sibling chain whose
    parent sits in Tier 3 gets another key; so does a sibling of the same owner (ACM same firm)."""
    parties = [{"id": "acme", "hq": "BR", "parent": "mega"}, {"id": "mega", "hq": "BR"},
               {"id": "zeta", "hq": "BR", "parent": "omni"}, {"id": "omni", "hq": "CN"}]
    k = _keys({"parties": parties, "items": [H100], "transactions": [_tx("a", "acme"), _tx("b", "zeta")]})
    assert k[0] != k[1]
    sibling = [{"id": "acme", "hq": "BR", "parent": "mega"}, {"id": "mega", "hq": "BR"},
               {"id": "gov", "hq": "BR", "parent": "mega", "government_controlled": True}]
    k2 = _keys({"parties": sibling, "items": [H100], "transactions": [_tx("a", "acme")]})
    assert k2[0] != k[0]


def test_a_party_a_consignee_trains_models_for_is_in_the_key() -> None:
    """740.27 (seed 004): the AIA certification "requires the ultimate consignee to agree not to
    train AI models ... for entities headquartered or located ... outside of Tier 1".  The customer
    named in `trains_models_for` is read, so its headquarters must reach the key: a keyed answer
    that left it out once said "AIA available" where the whole engine says it is not."""
    def deal(customer_hq: str) -> dict:
        return {"parties": [{"id": "lab", "hq": "JP", "located": "JP", "trains_models_for": ["cust"]},
                            {"id": "cust", "hq": customer_hq, "located": customer_hq}],
                "items": [H100],
                "transactions": [_tx("a", "lab", to="JP", end_use="research", prior_certification=True,
                                     prior_notification=True)]}
    assert _keys(deal("JP")) != _keys(deal("BR"))
    for hq in ("JP", "BR"):
        sc = scenario_from_dict(deal(hq))
        keyed = [v.to_json() for _i, v in Screener(sc).screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
        whole = [v.to_json() for v in build_verdicts(solve(sc, load_policy(), shown=VERDICT_READS))]
        assert keyed == whole
    sc = scenario_from_dict(deal("BR"))
    (v,) = [v for _i, v in Screener(sc).screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    assert not v.exceptions["AIA"].available
    assert any(f.startswith("aia.certification_not_contradicted") for f in v.exceptions["AIA"].failed)


def test_own_fields_are_in_the_key() -> None:
    parties = [{"id": "acme", "hq": "BR"}]
    k = _keys({"parties": parties, "items": [H100],
               "transactions": [_tx("a", "acme"), _tx("b", "acme", qty=11), _tx("c", "acme")]})
    assert k[0] != k[1] and k[0] == k[2]


# --- the fast-path refusal ---------------------------------------------------------

def _policy_copy(tmp_path: Path, edit) -> str:
    root = tmp_path / "policy"
    shutil.copytree(POLICY, root)
    edit(root)
    return str(root)


def test_refuses_a_conclusion_drawn_from_another_transaction(tmp_path: Path) -> None:
    """Without its cross_transaction declaration, red_flags.aia_recipient (a party-level fact
    drawn from whichever transaction went out under AIA) cannot be keyed: refused, by name."""
    def edit(root: Path) -> None:
        f = root / "running_totals.lp"
        f.write_text(f.read_text().replace("cross_transaction(aia_recipient).\n", ""))

    policy = load_policy(_policy_copy(tmp_path, edit))
    with pytest.raises(FastPathRefused, match=r"red_flags\.aia_recipient"):
        contract(policy)


def test_refuses_a_rule_joining_two_transactions(tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        (root / "zz_join.lp").write_text(
            "%% @rule   test.same_consignee_twice\n%% @cite   none\n"
            "%% @text   A test rule that compares two transactions.\n"
            "repeat_buyer(T) :- tx_consignee(T, P), tx_consignee(T2, P), T != T2.\n")

    d = _policy_copy(tmp_path, edit)
    with pytest.raises(FastPathRefused, match=r"test\.same_consignee_twice.*joins two transactions"):
        Screener(scenario_from_dict({}), policy_dir=d)
    # earlog.evaluate still answers, by the whole-scenario engine
    import earlog

    sc = {"parties": [{"id": "acme", "hq": "BR"}], "items": [H100], "transactions": [_tx("a", "acme")]}
    assert earlog.evaluate(sc, policy_dir=d)[0].outcome


def test_refuses_a_chain_without_a_contract(tmp_path: Path) -> None:
    def edit(root: Path) -> None:
        f = root / "running_totals.lp"
        f.write_text(f.read_text().replace("running_total(lpp, lpp_used_before).\n", "")
                     .replace("running_fit(lpp, sum_at_most_cap).\n", ""))

    with pytest.raises(FastPathRefused, match=r"chain 'lpp'"):
        contract(load_policy(_policy_copy(tmp_path, edit)))


# --- cross-transaction conclusions ---------------------------------------------------

def _aia_book(*extra: dict) -> Scenario:
    return scenario_from_dict({
        "parties": [{"id": "lab", "hq": "JP", "located": "JP"}, {"id": "cust", "hq": "BR", "located": "BR"}],
        "items": [H100, {"id": "model", "training_ops": 10**27, "produced_with": ["3A090.a"]}],
        "transactions": [
            {"id": "train", "kind": "iaas_service", "item": "model", "quantity": 1, "from": "JP", "to": "JP",
             "consignee": "cust", "end_user": "cust", "provider": "lab", "end_use": "training",
             "date": "2025-07-01"},
            {"id": "chips", "kind": "export", "item": "h100", "quantity": 100, "from": "US", "to": "JP",
             "consignee": "lab", "end_use": "training", "date": "2025-08-01", "prior_certification": True},
            *extra,
        ],
    })


# the first guess of the cross-transaction atoms: the answers' own (one fold), none (the fold
# gathers them, a second fold uses them), or a wrong one (the fold corrects it, then one more)
GUESSES = {"the answers'": None, "none": frozenset(), "wrong": frozenset({("f", "aia_recipient", True, ("cust",))})}


@pytest.mark.parametrize("guess", GUESSES)
def test_aia_recipient_is_gathered_from_every_transaction(guess: str, monkeypatch) -> None:
    """740.27 (seed 004): the AIA consignee agrees not to train 4E091 models for entities
    outside Tier 1.  The party received items under AIA in one transaction (even a later one)
    and trains a model for a Brazilian customer in another: red flag, as the whole engine says,
    whatever the fold is first given as the atoms other transactions conclude."""
    from earlog.engine import screening

    sc = _aia_book()
    if GUESSES[guess] is not None:
        monkeypatch.setattr(Screener, "_guessed_cross", lambda self, r, results: GUESSES[guess])
    screening._CACHE.clear()
    want = [v.to_json() for v in build_verdicts(solve(sc, load_policy(), shown=VERDICT_READS))]
    s = Screener(sc)
    got = [v.to_json() for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    assert got == want
    assert "red_flags.aia_certification_training" in {f["rule"] for f in got[0]["red_flags"]}
    assert got[1]["authorization"] == "AIA"
    assert s.stats["folds"] == (1 if guess == "the answers'" else 2)
    screening._CACHE.clear()


def test_only_rows_whose_rules_could_read_the_atom_are_given_it() -> None:
    """740.27 (seed 004): the AIA certification binds the consignee not to train 4E091 models
    for entities outside Tier 1, so only a transaction where the recipient trains such a model can
    raise red_flags.aia_certification_training.  The AIA shipment itself and the recipient's
    inference service cannot, so their keys are not solved again with the recipient's atom: one
    key more (the training service's), not three; the verdicts are the whole engine's."""
    from earlog.engine import screening

    sc = _aia_book({"id": "infer", "kind": "iaas_service", "item": "model", "quantity": 1, "from": "JP", "to": "JP",
                    "consignee": "cust", "end_user": "cust", "provider": "lab", "end_use": "inference",
                    "date": "2025-07-02"})
    screening._CACHE.clear()
    want = [v.to_json() for v in build_verdicts(solve(sc, load_policy(), shown=VERDICT_READS))]
    s = Screener(sc)
    got = [v.to_json() for _i, v in s.screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    assert got == want
    flags = [{f["rule"] for f in v["red_flags"]} for v in got]
    assert "red_flags.aia_certification_training" in flags[0]
    assert "red_flags.aia_certification_training" not in flags[2]
    assert s.stats["keys"] == 3 + 1 and s.stats["folds"] == 1
    screening._CACHE.clear()


def test_the_twin_of_the_rule_reading_the_aia_recipient() -> None:
    """The twin concludes, from the rest of red_flags.aia_certification_training's body, that the
    rule could fire given aia_recipient(P); nothing else reads the predicate."""
    c = contract(load_policy())
    assert c.cross_always == frozenset()
    assert c.cross_twins == (("cumulative", "_earlog_cross_read(aia_recipient, red_flag(T,aia_certification_training))"
                              " :- tx_provider(T,P), trains_4e091_model(T), customer_outside_tier1_or_located(T),"
                              " provision_applies(T,ai_diffusion_ifr)."),)


_READERS = {
    "in an aggregate": "aia_any(T) :- tx_provider(T, _), #count { Q : aia_recipient(Q) } > 0.",
    "after a running total": "aia_late(T) :- tx_provider(T, P), aia_recipient(P), lpp_cap_tpp(T, _).",
    "binding its own variable": "aia_peer(T, Q) :- tx_provider(T, _), aia_recipient(Q).",
    "in a constraint": ":- tx_provider(T, P), aia_recipient(P), tx_end_use(T, weapons).",
}


@pytest.mark.parametrize("how", _READERS)
def test_a_rule_without_a_sound_twin_gives_every_row_the_atoms(tmp_path: Path, how: str) -> None:
    """A rule whose twin could not say soundly whether it reads the atom (its rest depends on a
    running total, so variants could disagree; the atom binds a variable; an aggregate or a
    constraint reads it) makes the predicate one every row is given, as before twins."""
    def edit(root: Path) -> None:
        (root / "zz_reader.lp").write_text(
            "#program cumulative.\n%% @rule   test.aia_reader\n%% @cite   none\n"
            "%% @text   A test rule reading the AIA recipient.\n" + _READERS[how] + "\n")

    c = contract(load_policy(_policy_copy(tmp_path, edit)))
    assert c.cross_always == frozenset({"aia_recipient"})
    assert len(c.cross_twins) == 1  # red_flags.aia_certification_training's, still


# --- the Screener API ---------------------------------------------------------------

def _book() -> tuple:
    base = scenario_from_dict({
        "parties": [{"id": "acme", "hq": "BR", "located": "BR"}],
        "items": [H100],
        "ledger": [_tx("old", "acme", qty=1600, date="2025-05-20")],
        "parameters": {"lpp_annual_cap_tpp": 30_000_000},
    })
    book = scenario_from_dict({"parties": [{"id": "acme", "hq": "BR"}], "items": [H100],
                               "transactions": [_tx("late", "acme", date="2025-07-01"),
                                                _tx("early", "acme", qty=50, date="2025-06-01")]})
    return base, [ScreenRow(i, t) for i, t in enumerate(book.transactions)]


def test_screen_yields_in_input_order_and_folds_in_date_order() -> None:
    base, rows = _book()
    s = Screener(base)
    out = list(s.screen(rows))
    assert [i for i, _v in out] == [0, 1]
    assert [v.transaction for _i, v in out] == ["late", "early"]
    assert s.stats["rows"] == 2 and s.stats["ledger"] == 1
    assert set(s.stats["seconds"]) >= {"keys", "solve", "fold"}
    # the ledger entry (1,600 H100 = 25.3M TPP) leaves room for 50 more (0.8M) but not 10 more after them
    whole = scenario_from_dict({"parties": [{"id": "acme", "hq": "BR", "located": "BR"}], "items": [H100],
                                "ledger": [_tx("old", "acme", qty=1600, date="2025-05-20")],
                                "parameters": {"lpp_annual_cap_tpp": 30_000_000},
                                "transactions": [_tx("late", "acme", date="2025-07-01"),
                                                 _tx("early", "acme", qty=50, date="2025-06-01")]})
    want = [v.to_json() for v in build_verdicts(solve(whole, load_policy(), shown=VERDICT_READS))]
    assert [v.to_json() for _i, v in out] == want


def test_map_misses_is_used_for_the_solver() -> None:
    base, rows = _book()
    calls = []

    def my_map(fn, payloads):
        calls.append(len(payloads))
        return map(fn, payloads)

    from earlog.engine import screening

    screening._CACHE.clear()
    s = Screener(base, map_misses=my_map)
    assert len(list(s.screen(rows))) == 2
    assert calls and s.stats["misses"] >= 1
    s2 = Screener(base, map_misses=my_map)
    list(s2.screen(rows))
    assert s2.stats["misses"] == 0 and s2.stats["hits"] == s2.stats["keys"]


def test_new_keys_are_handed_to_the_workers_while_the_book_is_read(monkeypatch) -> None:
    """A map_misses that takes one batch at a time (run.PoolMisses, run.DaskMisses) is given each
    key as the book is read, so the workers solve while this process still reads: the first batch
    goes before the last row is read, and the verdicts are the in-process ones."""
    from earlog.engine import screening

    base, rows = _book()
    screening._CACHE.clear()
    want = [v.to_json() for _i, v in Screener(base).screen(rows)]
    screening._CACHE.clear()
    events: list[str] = []

    class Workers:
        def __init__(self) -> None:
            self.answers: dict[int, Any] = {}

        def submit(self, fn: Any, batch: Any) -> int:
            events.append("submit")
            self.answers[len(self.answers)] = fn(batch)
            return len(self.answers) - 1

        def result(self, ticket: int) -> Any:
            return self.answers.pop(ticket)

        def __call__(self, fn: Any, batches: Any) -> Any:
            return map(fn, batches)

    def read() -> Any:
        for row in rows:
            events.append("read")
            yield row

    monkeypatch.setattr(screening, "POOL_BATCH", 1)
    s = Screener(base, map_misses=Workers())
    assert [v.to_json() for _i, v in s.screen(read())] == want
    assert events.index("submit") < len(events) - 1 - events[::-1].index("read")
    assert s.stats["misses"] == s.stats["keys"] == events.count("submit")
    screening._CACHE.clear()


def test_pool_misses_answers_in_order_with_one_pool_at_a_time(monkeypatch) -> None:
    """run.PoolMisses: a pool takes jobs * WORKER_BATCHES batches, the next starts only once they are
    answered (a retired worker's memory goes back), and every ticket gets its own batch's answer."""
    import concurrent.futures

    from earlog.screen import run as run_mod

    alive: list[int] = []
    most: list[int] = []

    class Counted(concurrent.futures.ProcessPoolExecutor):
        def __init__(self, *a: Any, **kw: Any) -> None:
            alive.append(1)
            most.append(len(alive))
            super().__init__(*a, **kw)

        def shutdown(self, *a: Any, **kw: Any) -> None:
            if alive:
                alive.pop()
            super().shutdown(*a, **kw)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(run_mod, "WORKER_BATCHES", 1)
    pool = run_mod.PoolMisses(2)
    try:
        tickets = [pool.submit(sum, list(range(n))) for n in range(7)]
        assert [pool.result(t) for t in reversed(tickets)] == [sum(range(n)) for n in reversed(range(7))]
        assert list(pool(len, [[1], [1, 2], []])) == [1, 2, 0]
        with pytest.raises(KeyError):
            pool.result(tickets[0])
    finally:
        pool.close(failed=False)
    assert len(most) >= 5 and max(most) == 1 and not alive


def test_check_names_the_unknown_reference() -> None:
    base, rows = _book()
    bad = scenario_from_dict({"parties": [{"id": "nobody", "hq": "BR"}], "items": [H100],
                              "transactions": [_tx("x", "nobody")]}).transactions[0]
    with pytest.raises(InputError, match="consignee 'nobody' is not a declared party"):
        Screener(base).check(bad)
    Screener(base).check(rows[0].tx)


# --- the prepared policy on disk ---------------------------------------------------------

def test_prepared_policy_is_cached_on_disk_and_read_back(tmp_path: Path, monkeypatch) -> None:
    """A second process reads the prepared policy from the cache and answers the same."""
    import earlog
    from earlog.engine import prepcache

    monkeypatch.setenv("EARLOG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("EARLOG_ENGINE", "keyed")  # the default, stated: the test is about its cache
    d = str(POLICY)
    sc = {"parties": [{"id": "acme", "hq": "BR"}], "items": [H100], "transactions": [_tx("a", "acme")]}
    prepcache.keyed_state.cache_clear()
    first = [v.to_json() for v in earlog.evaluate(sc, policy_dir=d)]
    files = list((tmp_path / "cache").glob("prepared-*.pickle"))
    assert len(files) == 1
    prepcache.keyed_state.cache_clear()
    state = prepcache.keyed_state(d)
    assert state.policy.statements == []  # read back: no policy ASTs, nothing parsed
    from earlog.engine import screening

    screening._CACHE.clear()
    assert [v.to_json() for v in earlog.evaluate(sc, policy_dir=d)] == first
    prepcache.keyed_state.cache_clear()


def test_an_unwritable_cache_is_ignored(tmp_path: Path, monkeypatch) -> None:
    import earlog
    from earlog.engine import prepcache

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("EARLOG_CACHE_DIR", str(blocker / "cache"))
    prepcache.keyed_state.cache_clear()
    sc = {"parties": [{"id": "acme", "hq": "BR"}], "items": [H100], "transactions": [_tx("a", "acme")]}
    assert earlog.evaluate(sc, policy_dir=str(POLICY))[0].outcome
    prepcache.keyed_state.cache_clear()


def test_a_changed_policy_gets_another_cache_file(tmp_path: Path) -> None:
    from earlog.engine import prepcache

    d = _policy_copy(tmp_path, lambda root: None)
    before = prepcache.digest(Path(d))
    (Path(d) / "params.lp").write_text((Path(d) / "params.lp").read_text() + "\n% a comment\n")
    assert prepcache.digest(Path(d)) != before


def test_hostile_names_stay_names() -> None:
    """User text never becomes ASP source: ids are replaced by role tokens before solving and
    put back after, so ids that look like ASP, or like a token's visible part, come back unchanged
    (an id holding a control character, as a role token does, is refused at input)."""
    with pytest.raises(InputError, match="control characters"):
        scenario_from_dict({"parties": [{"id": "\x01e0", "hq": "JP"}], "items": [H100], "transactions": []})
    odd = ["x). license_required(y", "e0", "owner \"quoted\""]
    sc = scenario_from_dict({
        "parties": [{"id": odd[0], "hq": "BR", "parent": odd[2]}, {"id": odd[2], "hq": "BR"},
                    {"id": odd[1], "hq": "JP"}],
        "items": [H100],
        "transactions": [_tx("t).", odd[0]), _tx(odd[1], odd[1], to="JP")],
    })
    want = [v.to_json() for v in build_verdicts(solve(sc, load_policy(), shown=VERDICT_READS))]
    got = [v.to_json() for _i, v in Screener(sc).screen(ScreenRow(i, t) for i, t in enumerate(sc.transactions))]
    assert got == want
    assert [v["transaction"] for v in got] == ["t).", odd[1]]


def test_misses_solved_in_a_process_pool() -> None:
    """--jobs hands ProcessPoolExecutor.map to the Screener: payloads and answers cross processes."""
    from concurrent.futures import ProcessPoolExecutor

    from earlog.engine import screening

    base, rows = _book()
    want = [v.to_json() for _i, v in Screener(base).screen(rows)]
    screening._CACHE.clear()
    with ProcessPoolExecutor(2) as ex:
        s = Screener(base, map_misses=ex.map)
        assert [v.to_json() for _i, v in s.screen(rows)] == want
    assert s.stats["misses"] >= 1
