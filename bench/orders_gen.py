"""Generated order books for bench_screen.py: deterministic from a seed, written where
asked (a temp dir), never committed.

Two shapes (issue 9 point 7):
- `repeating`: the book repeats 3,000 deals (item, quantity, kind, destination,
  consignee, end use); each row is one of them on a date in 2025-2027;
- `repeating_dated`: the same, but each of the 3,000 deals has its own date, so rows
  repeat exactly but for their id (an engine that keys on the exact date caches these);
- `uniform`: every row draws its consignee from 5,000 parties, its item, quantity,
  end use and date independently.
Both spread 5,000 parties over 150 countries taken from the policy's own country list
(so the generator knows no tier: whatever the policy says about a country is what the
screen answers).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

FIELDS = ["id", "kind", "item", "quantity", "from", "to", "consignee", "end_user", "end_use", "date"]
ITEMS = [
    {"id": "h100", "eccn": "3A090.a", "tpp": 15832, "datacenter": True, "designer": "approved"},
    {"id": "h20", "eccn": "3A090.a", "tpp": 2368, "datacenter": True, "designer": "approved"},
    {"id": "l40", "eccn": "3A090.b", "tpp": 5800, "datacenter": True, "designer": "approved"},
    {"id": "dgx", "eccn": "4A090.a", "tpp": 126656, "datacenter": True, "designer": "approved"},
]
END_USES = ["inference", "training", "research", "development", "storage", "other"]
START, DAYS = dt.date(2025, 1, 1), (dt.date(2027, 12, 31) - dt.date(2025, 1, 1)).days + 1


def countries(n: int = 150) -> list[str]:
    """n country codes from the policy's list (never the exporting US), in a fixed order."""
    from earlog.engine import load_policy, vocabulary

    codes = sorted(c for c in vocabulary(load_policy()).countries if c != "US")
    rng = random.Random(150)
    return sorted(rng.sample(codes, n))


def base(n_parties: int = 5000, n_countries: int = 150, seed: int = 2025) -> dict[str, Any]:
    rng = random.Random(seed)
    cs = countries(n_countries)
    parties = []
    for i in range(n_parties):
        c = cs[i % len(cs)]
        p: dict[str, Any] = {"id": f"p{i:05d}", "hq": c, "located": c}
        if i % 10 == 3 and i > 10:  # ownership chains: some parties have a parent elsewhere
            p["parent"] = f"p{rng.randrange(0, 10):05d}"
        if i % 50 == 7:
            p["distributor"] = True
        parties.append(p)
    return {"policy": "ai-diffusion-2025", "parties": parties, "items": ITEMS, "ledger": []}


def _date(rng: random.Random) -> str:
    return (START + dt.timedelta(days=rng.randrange(DAYS))).isoformat()


def rows(shape: str, n: int, base_data: dict[str, Any], seed: int = 2025):
    """The book's rows as lists of cells (a generator: nothing is held)."""
    rng = random.Random(f"{shape}-{seed}")
    parties = base_data["parties"]
    items = [i["id"] for i in base_data["items"]]

    def deal() -> list[Any]:
        p = rng.choice(parties)
        return ["export", rng.choice(items), rng.choice((10, 50, 100, 250, 500, 1000, 2000)), "US", p["located"],
                p["id"], p["id"], rng.choice(END_USES)]

    if shape == "repeating":
        deals = [deal() for _ in range(3000)]
        for k in range(n):
            yield [f"o{k}", *rng.choice(deals), _date(rng)]
    elif shape == "repeating_dated":
        deals = [[*deal(), _date(rng)] for _ in range(3000)]
        for k in range(n):
            yield [f"o{k}", *rng.choice(deals)]
    elif shape == "uniform":
        for k in range(n):
            d = deal()
            d[2] = rng.randrange(1, 2001)
            yield [f"o{k}", *d, _date(rng)]
    else:
        raise ValueError(f"unknown shape {shape!r}")


def write(shape: str, n: int, folder: Path, seed: int = 2025) -> tuple[Path, Path]:
    """(book.csv, base.json) in folder, reused when already written for the same arguments."""
    folder.mkdir(parents=True, exist_ok=True)
    base_path = folder / f"base-{seed}.json"
    data = base(seed=seed)
    if not base_path.exists():
        base_path.write_text(json.dumps(data))
    book = folder / f"{shape}-{n}-{seed}.csv"
    if not book.exists():
        tmp = book.with_suffix(".tmp")
        with tmp.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(FIELDS)
            w.writerows(rows(shape, n, data, seed))
        tmp.rename(book)
    return book, base_path
