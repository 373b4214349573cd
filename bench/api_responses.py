"""Benchmark: the JSON API's response time, this code against a baseline tree, in one run.

Through Flask's test client (no network), on the database and search index of INSTANCE_DIR
(by default this tree's instance/, as `make setup` leaves it): the eligibility verdicts of an empty
profile (one verdict per scheme with rules), every scheme's detail, and a list page of 100.
The baseline is another checkout, e.g. the code before the response models:
  git worktree add /tmp/base main   (or: git archive main | tar -x -C /tmp/base)
Run: .venv/bin/python bench/api_responses.py --baseline /tmp/base [--rounds 15] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def measure(rounds: int) -> dict[str, float]:
    """Median milliseconds per request of each kind, with the code on sys.path."""
    import app as package
    from app.config import load_settings
    from app.web import create_app

    print(f"code: {Path(package.__file__).parent.parent}", file=sys.stderr)

    app = create_app(load_settings())
    client = app.test_client()
    ids = [item["id"] for item in client.get("/api/v1/schemes?per_page=100").get_json()["items"]]
    requests = {
        "POST /eligibility (empty profile)": lambda: client.post("/api/v1/eligibility", json={}),
        "GET /schemes/<id> (each scheme)": lambda: [
            client.get(f"/api/v1/schemes/{scheme_id}") for scheme_id in ids
        ],
        "GET /schemes?per_page=100": lambda: client.get("/api/v1/schemes?per_page=100"),
    }
    medians = {}
    for name, call in requests.items():
        call()  # warm: caches filled, code paths compiled
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
        per_call = len(ids) if "each scheme" in name else 1
        medians[name] = statistics.median(times) / per_call
    return medians


def run(code: Path, rounds: int) -> dict[str, float]:
    """measure() in a fresh interpreter with code's app package."""
    env = {**os.environ, "INSTANCE_DIR": os.environ.get("INSTANCE_DIR", str(HERE / "instance"))}
    output = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__, "--measure", str(code), "--rounds", str(rounds)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3, help="alternated runs of each tree")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        sys.path.insert(0, str(args.measure.resolve()))
        print(json.dumps(measure(args.rounds)))
        return
    if args.baseline is None:
        parser.error("--baseline is required")
    # Alternated, best of each: the machine's load moves between runs.
    runs: list[tuple[dict[str, float], dict[str, float]]] = []
    for _ in range(args.repeat):
        runs.append((run(args.baseline, args.rounds), run(HERE, args.rounds)))
    baseline = {name: min(b[name] for b, _ in runs) for name in runs[0][0]}
    this = {name: min(t[name] for _, t in runs) for name in runs[0][1]}
    print(
        f"load average: {os.getloadavg()[0]:.2f}; median ms per request ({args.rounds} rounds), "
        f"best of {args.repeat} alternated runs"
    )
    print(f"{'request':38} {'baseline':>9} {'this':>9} {'ratio':>6}")
    for name, before in baseline.items():
        print(f"{name:38} {before:9.2f} {this[name]:9.2f} {this[name] / before:6.2f}")


if __name__ == "__main__":
    main()
