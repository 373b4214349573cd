"""What an index update must change, without Whoosh: per-scheme content hashes and their diff."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from app.repository import content_hash
from app.schemes import Scheme
from app.vocabulary import Vocabulary


def vocabulary_hash(vocabulary: Vocabulary) -> str:
    """A digest of the reference data the documents read (funders' names, value labels): when
    it changes, every document may change, so the index is rebuilt rather than updated."""
    data = {
        kind: {key: value.model_dump(mode="json") for key, value in models.items()}
        for kind, models in (
            ("organisations", vocabulary.organisations),
            ("variables", vocabulary.variables),
        )
    }
    text = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


@dataclass(frozen=True)
class Changes:
    """The schemes to (re)write in an index and the ids to remove from it."""

    changed: list[Scheme]
    removed: list[str]
    hashes: dict[str, str]  # every scheme's content hash, as the updated index records them

    @property
    def empty(self) -> bool:
        """Nothing to write."""
        return not self.changed and not self.removed


def changes(
    recorded: Mapping[str, str], schemes: Iterable[Scheme], known: Mapping[str, str] | None = None
) -> Changes:
    """The difference between the hashes an index recorded and the catalogue's schemes.

    `known` holds the hashes the database keeps with each scheme (reading them costs nothing);
    a scheme without one is hashed here, which costs a fraction of a millisecond per scheme.
    """
    hashes: dict[str, str] = {}
    changed = []
    for scheme in schemes:
        digest = (known or {}).get(scheme.id) or content_hash(scheme.document())
        hashes[scheme.id] = digest
        if recorded.get(scheme.id) != digest:
            changed.append(scheme)
    removed = sorted(set(recorded) - set(hashes))
    return Changes(changed, removed, hashes)
