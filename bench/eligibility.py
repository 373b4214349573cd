"""Benchmark: one profile against 1,000 and 10,000 synthetic schemes, and the next question.

Also a questionnaire step (one answer more than a profile just evaluated, as the next page asks),
the memory the compiled catalogue holds, and how the cost grows from 1,000 to 10,000 schemes.
Times are wall clock and, beside it, the process's CPU time (the machine may be shared).

Memory per scheme, as the catalogue cache holds it: the schemes parsed from their JSON documents
(as the database gives them) with and without sharing their equal parts (app/sharing.py), for
the rules-only synthetic schemes and for synthetic schemes with their own texts (as
`aides schemes synthesize` makes them), plus the compiled rules, with what each answer value
rules out (the app works that out in the background after building a rule table, so profiles
are measured as they are once it is done; before 7 December 2026 the first profiles paid it).

The synthetic schemes are the real catalogue's rules with varied values (thresholds, chosen values),
so their shape is the real one. The real catalogue is measured in the same run as the baseline.
Run: .venv/bin/python bench/eligibility.py [--profiles 60]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.catalogue import read_directory
from app.config import DEFAULT_SCHEMES_DIR
from app.eligibility.answers import Answers, validate_answers
from app.eligibility.engine import CompiledCatalogue, compile_catalogue, evaluate_all
from app.eligibility.questions import progress
from app.schemes import Scheme
from app.sharing import shared_models
from app.synthetic import synthetic_catalogue
from app.vocabulary import Variable, Vocabulary, load_vocabulary


def _random_answer(variable: Variable, rng: random.Random) -> Any:
    if variable.type == "choice":
        return rng.choice(variable.value_ids())
    if variable.type == "set":
        return rng.sample(variable.value_ids(), k=rng.randint(0, 3))
    if variable.type == "boolean":
        return rng.random() < 0.5
    low = variable.min or 0
    high = variable.max if variable.max is not None else low + 50
    return rng.randint(int(low), int(high))


def profiles(vocabulary: Vocabulary, count: int, share: float, seed: int = 11) -> list[Answers]:
    """Random profiles answering about `share` of the questions."""
    rng = random.Random(seed)
    result = []
    for _ in range(count):
        raw = {
            v.id: _random_answer(v, rng)
            for v in vocabulary.variables.values()
            if rng.random() < share
        }
        answers, errors = validate_answers(raw, vocabulary)
        assert not errors, errors
        result.append(answers)
    return result


def _percentiles(durations: list[float]) -> tuple[float, float]:
    durations = sorted(durations)
    return statistics.median(durations), durations[int(len(durations) * 0.95) - 1]


def timed(
    function: Callable[[Answers], object], inputs: list[Answers]
) -> tuple[float, float, float, float]:
    """p50 and p95 in milliseconds over the inputs: wall clock, then CPU time."""
    wall, cpu = [], []
    for item in inputs:
        start, start_cpu = time.perf_counter(), time.process_time()
        function(item)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return (*_percentiles(wall), *_percentiles(cpu))


def held_per_scheme(schemes: list[Scheme], *, share: bool) -> float:
    """Bytes per scheme of the schemes parsed from their stored JSON, shared or not."""
    documents = [json.dumps(scheme.document()) for scheme in schemes]
    gc.collect()
    tracemalloc.start()
    parsed = [Scheme.model_validate(json.loads(document)) for document in documents]
    if share:
        parsed = shared_models(parsed)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del parsed
    return held / len(schemes)


def _previous_page(schemes: CompiledCatalogue, vocabulary: Vocabulary, profile: Answers) -> None:
    """The profile without its last answer, as the page before asked it."""
    last = [*profile.values, *profile.unknown][-1]
    progress(evaluate_all(schemes, profile.without(last)), vocabulary)


def measure(
    label: str, catalogue: list[Scheme], vocabulary: Vocabulary, count: int
) -> dict[str, float]:
    """Print and return p50/p95 of evaluation, next question and a step, and the memory held."""
    tracemalloc.start()
    schemes = compile_catalogue(catalogue)  # once per catalogue version, as the app does
    # What each answer value rules out: the app works it out in the background after each build.
    schemes.table.together.work_out(vocabulary)
    compiled = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    # A long-lived catalogue is moved out of the garbage collector's sight, as the app does after
    # loading it: otherwise full collections scanning ~10^6 objects dominate the p95.
    gc.collect()
    gc.freeze()
    full = profiles(vocabulary, count, share=1.0)
    partial = profiles(vocabulary, count, share=0.3)
    stepping = profiles(vocabulary, count, share=0.3, seed=13)
    e50, e95, ec50, ec95 = timed(lambda a: evaluate_all(schemes, a), full)
    q50, q95, qc50, qc95 = timed(lambda a: progress(evaluate_all(schemes, a), vocabulary), partial)
    durations, cpu = [], []
    for profile in stepping:
        if profile.values or profile.unknown:
            _previous_page(schemes, vocabulary, profile)
            start, start_cpu = time.perf_counter(), time.process_time()
            progress(evaluate_all(schemes, profile), vocabulary)
            cpu.append((time.process_time() - start_cpu) * 1000)
            durations.append((time.perf_counter() - start) * 1000)
    (s50, s95), (sc50, sc95) = _percentiles(durations), _percentiles(cpu)
    tracemalloc.start()
    verdicts = evaluate_all(schemes, partial[0])
    progress(verdicts, vocabulary)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<24} {len(catalogue):>6} | evaluate p50 {e50:7.2f} ms  p95 {e95:7.2f} ms "
        f"| next question p50 {q50:7.2f} ms  p95 {q95:7.2f} ms "
        f"| step p50 {s50:6.2f} ms  p95 {s95:6.2f} ms "
        f"| compiled {compiled / 1e6:6.1f} MB, peak per profile {peak / 1e6:5.1f} MB"
    )
    print(
        f"{'  CPU time':<24} {'':>6} | evaluate p50 {ec50:7.2f} ms  p95 {ec95:7.2f} ms "
        f"| next question p50 {qc50:7.2f} ms  p95 {qc95:7.2f} ms "
        f"| step p50 {sc50:6.2f} ms  p95 {sc95:6.2f} ms "
        f"| compiled {compiled / len(catalogue) / 1e3:5.1f} kB per scheme"
    )
    return {
        "evaluate": e50,
        "next question": q50,
        "step": s50,
        "evaluate CPU": ec50,
        "next question CPU": qc50,
        "step CPU": sc50,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profiles", type=int, default=60)
    args = parser.parse_args()
    vocabulary = load_vocabulary(DEFAULT_SCHEMES_DIR)
    real = read_directory(DEFAULT_SCHEMES_DIR, vocabulary)
    print(f"Python {sys.version.split()[0]}, {args.profiles} profiles per measure")
    measure("real catalogue (baseline)", [s for s in real if s.criteria], vocabulary, args.profiles)
    medians = {}
    for size in (1_000, 10_000):
        start = time.perf_counter()
        tracemalloc.start()
        schemes = synthetic_catalogue(real, size, vocabulary, texts=False, rules=True)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        print(
            f"  built {size} synthetic schemes in {time.perf_counter() - start:.1f} s, "
            f"holding {held / 1e6:.0f} MB"
        )
        medians[size] = measure("synthetic", schemes, vocabulary, args.profiles)
        for label, sample in (
            ("rules-only", schemes),
            ("with texts", synthetic_catalogue(real, size, vocabulary, seed=5, rules=True)),
        ):
            apart = held_per_scheme(sample, share=False)
            shared = held_per_scheme(sample, share=True)
            print(
                f"  {label} schemes parsed from JSON: {apart / 1e3:5.1f} kB per scheme apart "
                f"({apart * size / 1e6:4.0f} MB), {shared / 1e3:5.1f} kB shared "
                f"({shared * size / 1e6:4.0f} MB): {apart / shared:.1f}x less"
            )
    growth = ", ".join(
        f"{name} {medians[10_000][name] / medians[1_000][name]:.1f}x" for name in medians[1_000]
    )
    print(f"1,000 -> 10,000 schemes (10x the schemes), p50: {growth}")
    print("Goal: p95 under 20 ms for 10,000 schemes (evaluate and next question).")


if __name__ == "__main__":
    main()
