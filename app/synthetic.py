"""Synthetic catalogues made from the real schemes, for benchmarks and load tests at scale.

A synthetic scheme is a real scheme's document under a new id (`synthetic-<n>`), with, as asked:
new texts made of the real catalogue's words (French and English pools, so word frequencies stay
realistic), random funders, sectors, applicant types and lifecycles; and its rules' values varied
(thresholds, chosen values), so the rules keep the real shape.
"""

from __future__ import annotations

import random
import re
from typing import Any

from app.schemes import Scheme
from app.vocabulary import Vocabulary

PREFIX = "synthetic-"
LANGS = ("fr", "en")
# Mostly active, as in the real catalogue; closed and replaced ones are hidden by default.
LIFECYCLE_WEIGHTS = {
    "open": 45,
    "recurring": 20,
    "unconfirmed": 10,
    "upcoming": 5,
    "closed": 12,
    "replaced": 8,
}
_POOL_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def is_synthetic(scheme_id: str) -> bool:
    """Whether an id is one this module makes."""
    return scheme_id.startswith(PREFIX)


def word_pools(real: list[Scheme]) -> dict[tuple[str, str], list[str]]:
    """Real words by (language, part), repeated as often as they occur (so sampling is Zipfian)."""
    pools: dict[tuple[str, str], list[str]] = {}
    for lang in LANGS:
        names = " ".join(s.name.get(lang) for s in real)
        summaries = " ".join(s.summary.get(lang) for s in real)
        descriptions = " ".join(s.description.get(lang) for s in real)
        pools[lang, "name"] = _POOL_WORD.findall(names)
        pools[lang, "summary"] = _POOL_WORD.findall(summaries)
        pools[lang, "body"] = _POOL_WORD.findall(descriptions + " " + summaries)
    return pools


def _sentences(pool: list[str], count: int, rng: random.Random) -> str:
    """About `count` words from the pool, as sentences of 8 to 20 words, in short paragraphs."""
    paragraphs: list[str] = []
    sentences: list[str] = []
    left = count
    while left > 0:
        size = min(left, rng.randint(8, 20))
        sentence = [w.lower() for w in rng.choices(pool, k=size)]
        sentences.append(" ".join(sentence).capitalize() + ".")
        left -= size
        if len(sentences) == 3 or left <= 0:
            paragraphs.append(" ".join(sentences))
            sentences = []
    return "\n\n".join(paragraphs)


def _title(pool: list[str], rng: random.Random) -> str:
    return " ".join(rng.choices(pool, k=rng.randint(3, 7))).capitalize()


def _lifecycle(source: str, size: int, rng: random.Random) -> dict[str, Any]:
    status = rng.choices(list(LIFECYCLE_WEIGHTS), weights=list(LIFECYCLE_WEIGHTS.values()))[0]
    lifecycle = {"status": status, "source": source}
    if status == "replaced":
        lifecycle["replaced_by"] = f"{PREFIX}{rng.randrange(size)}"
    return lifecycle


def _vary_rule(rule: dict[str, Any], vocabulary: Vocabulary, rng: random.Random) -> None:
    for key in ("all", "any"):
        for child in rule.get(key, ()):
            _vary_rule(child, vocabulary, rng)
    if "not" in rule:
        _vary_rule(rule["not"], vocabulary, rng)
    if "variable" not in rule:
        return
    variable = vocabulary.variable(rule["variable"])
    value = rule["value"]
    if isinstance(value, list):
        ids = list(variable.value_ids())
        rule["value"] = rng.sample(ids, k=min(len(ids), max(1, len(value) + rng.randint(-1, 1))))
    elif isinstance(value, str) and rule["operator"] == "equals":
        rule["value"] = rng.choice(variable.value_ids())
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low = variable.min or 0
        high = variable.max if variable.max is not None else max(10.0, float(value) * 3)
        rule["value"] = (
            round(rng.uniform(low, high)) if variable.type == "integer" else rng.uniform(low, high)
        )


def synthetic_catalogue(
    real: list[Scheme],
    size: int,
    vocabulary: Vocabulary,
    seed: int = 7,
    *,
    texts: bool = True,
    rules: bool = False,
) -> list[Scheme]:
    """size schemes copied from the real ones: with texts, new texts, funders, audiences and
    lifecycles (else open); with rules, copied from schemes that have rules, values varied (else
    without criteria). The same arguments give the same catalogue."""
    # Reproducible data, not secrets.
    rng = random.Random(seed)  # noqa: S311  # nosec B311
    models = [s for s in real if s.criteria] if rules else real
    pools = word_pools(real) if texts else {}
    funders = sorted(vocabulary.organisations)
    sectors = vocabulary.variable("sectors").value_ids()
    applicant_types = vocabulary.variable("applicant_type").value_ids()
    result = []
    for number in range(size):
        document = rng.choice(models).document()
        document["id"] = f"{PREFIX}{number}"
        for key in ("examples", "parent", *(() if rules else ("criteria",))):
            document.pop(key, None)
        if texts:
            document["funder"] = rng.choice(funders)
            document["name"] = {lang: _title(pools[lang, "name"], rng) for lang in LANGS}
            document["summary"] = {
                lang: _sentences(pools[lang, "summary"], rng.randint(20, 35), rng) for lang in LANGS
            }
            document["description"] = {
                lang: _sentences(pools[lang, "body"], rng.randint(120, 180), rng) for lang in LANGS
            }
            document["lifecycle"] = _lifecycle(document["sources"][0]["id"], size, rng)
            audience = document["audience"]
            audience["sectors"] = rng.sample(sectors, k=rng.randint(1, 3))
            audience["applicant_types"] = rng.sample(applicant_types, k=rng.randint(1, 3))
        else:
            document["lifecycle"] = {"status": "open", "source": document["sources"][0]["id"]}
        for criterion in document.get("criteria", ()) if rules else ():
            if "rule" in criterion:
                _vary_rule(criterion["rule"], vocabulary, rng)
        result.append(Scheme.model_validate(document))
    return result
