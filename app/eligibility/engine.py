"""Verdicts: each scheme eligible, ineligible or unknown, with each criterion's status and why."""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import accumulate
from typing import Any, overload

from app.eligibility.answers import Answers
from app.eligibility.batch import Evaluation, Plan, RuleTable
from app.eligibility.conditions import Compiled, Outcome, Status, compile_rule
from app.scheme_rules import Criterion, VerdictStatus
from app.schemes import Scheme

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CriterionResult:
    """One criterion's status for a profile, and what it read."""

    criterion: Criterion
    status: Status
    variables: tuple[str, ...]
    open_variables: tuple[str, ...]
    error: str | None = None

    @property
    def to_verify(self) -> bool:
        """Only the applicant or the funder can settle it."""
        return self.criterion.verify_by is not None and self.status == "unknown"


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    """A criterion with its rule compiled once, for repeated evaluation."""

    criterion: Criterion
    variables: tuple[str, ...]
    check: Compiled | None


@dataclass(frozen=True, slots=True)
class CompiledScheme:
    """A scheme whose criteria are ready to evaluate many profiles quickly."""

    scheme: Scheme
    criteria: tuple[CompiledCriterion, ...]
    checks: tuple[tuple[Compiled | None, bool], ...]  # (rule, needs a check by someone)
    active: bool


def compile_scheme(scheme: Scheme, shared: dict[Hashable, Any] | None = None) -> CompiledScheme:
    """Compile a scheme's rules; do it once per catalogue version, not per profile.

    `shared` (one per catalogue) holds the compiled rules and the variables they read, so that
    identical rules in many schemes (applicant types, country, language…) are compiled, held and
    evaluated once.
    """
    shared = {} if shared is None else shared
    criteria = []
    for criterion in scheme.criteria:
        check = None
        variables: tuple[str, ...] = ()
        if criterion.rule is not None:
            check = compile_rule(criterion.rule, shared)
            variables = shared.get((check,)) or shared.setdefault(
                (check,), criterion.rule.variables()
            )
        criteria.append(CompiledCriterion(criterion, variables, check))
    checks = tuple((c.check, c.criterion.verify_by is not None) for c in criteria)
    return CompiledScheme(scheme, tuple(criteria), checks, scheme.is_active())


def shared_in_use(
    shared: dict[Hashable, Any], schemes: Iterable[CompiledScheme]
) -> dict[Hashable, Any]:
    """The entries of a `shared` dict (compile_scheme's) that these compiled schemes still use:
    their rules, the sub-rules inside them and the variables they read; after a refresh, what a
    full load of the same schemes would hold."""
    key_of = {value: key for key, value in shared.items() if callable(value)}
    used: set[Any] = set()
    stack = [c.check for scheme in schemes for c in scheme.criteria if c.check is not None]
    while stack:
        check = stack.pop()
        if check in used:
            continue
        used.add(check)
        key = key_of.get(check)
        # A combination's key holds its children ("not", child) or (decisive, children).
        if isinstance(key, tuple) and len(key) == 2 and key[0] == "not":
            stack.append(key[1])
        elif isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], tuple):
            stack.extend(key[1])
    return {
        key: value
        for key, value in shared.items()
        if (value in used if callable(value) else isinstance(key, tuple) and key[0] in used)
    }


class SchemeVerdict:
    """A scheme's verdict for a profile.

    Evaluation stops at the first failed criterion (the verdict is then known); the results of
    the remaining criteria are computed only when asked for, for display. Within a whole
    catalogue, the status comes first and the outcomes only when asked for.
    """

    __slots__ = ("_errors", "_memo", "_outcomes", "answers", "compiled", "status")

    def __init__(
        self,
        compiled: CompiledScheme,
        status: VerdictStatus,
        outcomes: tuple[Outcome, ...] | None,
        answers: Answers,
        errors: tuple[str | None, ...] = (),
        memo: dict[Compiled, Outcome] | None = None,
    ) -> None:
        """Without outcomes, they are worked out when first read, sharing memo's rule outcomes."""
        self.compiled = compiled
        self.status = status
        self.answers = answers
        self._outcomes = outcomes
        self._errors = errors
        self._memo = memo

    def _resolve(self) -> None:
        judged = evaluate_scheme(self.compiled, self.answers, self._memo)
        self._outcomes, self._errors = judged.outcomes, judged.errors

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        """Each criterion's outcome, up to the first failed one (all, after an error)."""
        if self._outcomes is None:
            self._resolve()
        return self._outcomes  # type: ignore[return-value]

    @property
    def errors(self) -> tuple[str | None, ...]:
        """Each criterion's evaluation error, if one could not be evaluated (else empty)."""
        if self._outcomes is None:
            self._resolve()
        return self._errors

    @property
    def scheme(self) -> Scheme:
        """The scheme judged."""
        return self.compiled.scheme

    @property
    def criteria(self) -> tuple[CriterionResult, ...]:
        """Each criterion with its status, the variables it reads and those still open."""
        outcomes, errors = self.outcomes, self.errors
        if len(outcomes) < len(self.compiled.criteria):
            outcomes, errors = _run_carefully(self.compiled, self.answers)
        errors = errors or (None,) * len(outcomes)
        return tuple(
            CriterionResult(c.criterion, status, c.variables, still_open, error)
            for c, (status, still_open), error in zip(
                self.compiled.criteria, outcomes, errors, strict=True
            )
        )

    def failed(self) -> list[CriterionResult]:
        """The criteria that rule the scheme out."""
        return [c for c in self.criteria if c.status == "failed"]

    def unresolved(self) -> list[CriterionResult]:
        """The criteria still to answer or to verify."""
        return [c for c in self.criteria if c.status == "unknown"]

    def open_variables(self) -> list[str]:
        """Unanswered variables that could change an unresolved criterion, once per criterion."""
        return [
            name
            for status, still_open in self.outcomes
            if status == "unknown"
            for name in still_open
        ]


UNKNOWN: Outcome = ("unknown", ())


def _judge(
    compiled: CompiledScheme, answers: Answers, memo: dict[Compiled, Outcome]
) -> SchemeVerdict:
    """The verdict, stopping at the first failed criterion (the hot loop: kept flat on purpose).

    memo holds the outcome of each shared rule for these answers, computed once per profile.
    """
    outcomes: list[Outcome] = []
    undecided = not compiled.checks  # no rule encoded: nothing is known
    for check, to_verify in compiled.checks:
        if check is None:
            outcome = UNKNOWN
        else:
            outcome = memo.get(check) or memo.setdefault(check, check(answers))
        status = outcome[0]
        if status == "failed":
            outcomes.append(outcome)
            return SchemeVerdict(compiled, "ineligible", tuple(outcomes), answers)
        if status == "unknown":
            undecided = True
        elif to_verify:
            # What the answers say is necessary, but only the applicant or the funder can settle it.
            outcome = ("unknown", outcome[1])
            undecided = True
        outcomes.append(outcome)
    return SchemeVerdict(compiled, "unknown" if undecided else "eligible", tuple(outcomes), answers)


def _run_carefully(
    compiled: CompiledScheme, answers: Answers
) -> tuple[tuple[Outcome, ...], tuple[str | None, ...]]:
    """Criterion by criterion: an evaluation error yields unknown (never met), and is logged."""
    outcomes: list[Outcome] = []
    errors: list[str | None] = []
    for item in compiled.criteria:
        try:
            outcome = item.check(answers) if item.check is not None else UNKNOWN
            if item.criterion.verify_by is not None and outcome[0] == "met":
                outcome = ("unknown", outcome[1])
            outcomes.append(outcome)
            errors.append(None)
        except (TypeError, ValueError, KeyError) as error:
            log.exception(
                "Rule %r of %r could not be evaluated", item.criterion.id, compiled.scheme.id
            )
            outcomes.append(UNKNOWN)
            errors.append(str(error))
    return tuple(outcomes), tuple(errors)


def evaluate_scheme(
    scheme: Scheme | CompiledScheme, answers: Answers, memo: dict[Compiled, Outcome] | None = None
) -> SchemeVerdict:
    """Ineligible if a criterion failed; unknown if one is open or none exist; else eligible."""
    compiled = scheme if isinstance(scheme, CompiledScheme) else compile_scheme(scheme)
    try:
        return _judge(compiled, answers, {} if memo is None else memo)
    except (TypeError, ValueError, KeyError):
        outcomes, errors = _run_carefully(compiled, answers)
    statuses = {status for status, _ in outcomes}
    verdict: VerdictStatus = "ineligible" if "failed" in statuses else "unknown"
    return SchemeVerdict(compiled, verdict, outcomes, answers, errors)


def _same_plans(schemes: Sequence[CompiledScheme], plans: Sequence[Plan]) -> bool:
    """Whether the schemes have these rules, position by position (the rules are shared
    objects: an unchanged rule compiled again is the same object)."""
    return len(schemes) == len(plans) and all(
        compiled.checks == plan for compiled, plan in zip(schemes, plans, strict=True)
    )


class CompiledCatalogue(list[CompiledScheme]):
    """Compiled schemes with the table of their distinct rules; not to be changed once built."""

    def __init__(
        self,
        schemes: Iterable[CompiledScheme],
        before: CompiledCatalogue | None = None,
        moved: Collection[int] | None = None,
    ) -> None:
        """The schemes in the order given, and their rules indexed for evaluate_all. `before`:
        the catalogue these schemes replace; when every position has the same rules as there
        (a publish that changed texts or dates, not criteria), its table is taken as it is: the
        table depends on the rules by position only, and building it is most of a refresh.
        `moved`: the only positions whose scheme is another object than before's (the same ids
        in the same places), so that a publish's refresh compares and counts those, not
        thousands."""
        super().__init__(schemes)
        if before is None or len(before) != len(self):
            moved = None
        if moved is not None and before is not None:
            if "positions" in before.__dict__:  # cached_property's value, the same here
                self.__dict__["positions"] = before.positions
            same = all(self[p].checks == before[p].checks for p in moved)
            active = {p for p in moved if self[p].active}
            self.active: frozenset[int] = before.active.difference(moved).union(active)
        else:
            same = before is not None and _same_plans(before, [c.checks for c in self])
            self.active = frozenset(p for p, compiled in enumerate(self) if compiled.active)
        if before is not None and same:
            self.table: RuleTable = before.table
        else:
            rules = {
                check: item.criterion.rule
                for compiled in self
                for (check, _verify), item in zip(compiled.checks, compiled.criteria, strict=True)
                if check is not None
            }
            self.table = RuleTable([compiled.checks for compiled in self], rules)

    @cached_property
    def positions(self) -> dict[str, int]:
        """Each scheme's position by id."""
        return {compiled.scheme.id: p for p, compiled in enumerate(self)}


class Verdicts(Sequence[SchemeVerdict]):
    """evaluate_all's verdicts, each built when first read, with what the next question needs.

    Building 10,000 verdict objects costs more than deciding them: a page reads only some.
    """

    def __init__(
        self,
        catalogue: CompiledCatalogue,
        groups: tuple[tuple[VerdictStatus, list[int]], ...],
        answers: Answers,
        evaluation: Evaluation,
    ) -> None:
        """groups: the scheme positions by verdict, in the order they are listed."""
        self.catalogue = catalogue
        self.answers = answers
        self.evaluation = evaluation
        self._memo = dict(evaluation.outcomes)  # this profile's verdicts fill it in as read
        self._groups = groups
        self._order = [position for _status, positions in groups for position in positions]
        self._statuses = [status for status, _positions in groups]
        self._ends = list(accumulate(len(positions) for _status, positions in groups))
        self._built: list[SchemeVerdict | None] = [None] * len(self._order)
        # How many schemes have each verdict: known without building any verdict (a page's facts).
        self.counts: dict[VerdictStatus, int] = {status: len(ps) for status, ps in groups}
        self.asking = set(catalogue.active.intersection(groups[1][1]))  # active and undecided
        self.can_match = not catalogue.active <= evaluation.ruled_out  # an active one not ruled out
        self.has_active = bool(catalogue.active)

    def __len__(self) -> int:
        """How many schemes were judged."""
        return len(self._order)

    @overload
    def __getitem__(self, index: int) -> SchemeVerdict: ...

    @overload
    def __getitem__(self, index: slice) -> list[SchemeVerdict]: ...

    def __getitem__(self, index: int | slice) -> SchemeVerdict | list[SchemeVerdict]:
        """The verdict at this rank (built once), or a list of them."""
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        built = self._built[index]
        if built is None:
            built = self._built[index] = self._build(index % len(self._order))
        return built

    def positions(self, status: VerdictStatus) -> list[int]:
        """The positions in `catalogue` of the schemes with this verdict, in its order (not to
        be changed): pages group, count and sort these, and build only the verdicts they show."""
        return next(positions for name, positions in self._groups if name == status)

    def at(self, position: int) -> SchemeVerdict:
        """The verdict of the scheme at this catalogue position (built once, as by rank)."""
        start = 0
        for (_status, positions), end in zip(self._groups, self._ends, strict=True):
            index = bisect_left(positions, position)
            if index < len(positions) and positions[index] == position:
                return self[start + index]
            start = end
        raise IndexError(position)

    def _build(self, rank: int) -> SchemeVerdict:
        status = self._statuses[bisect_right(self._ends, rank)]
        compiled = self.catalogue[self._order[rank]]
        return SchemeVerdict(compiled, status, None, self.answers, (), self._memo)

    def weights(self) -> Counter[str]:
        """Per variable, how many criteria of active undecided schemes it could still settle."""
        asked = {*self.answers.values, *self.answers.unknown}
        return self.catalogue.table.weights(self.evaluation, self.asking, asked)


def compile_catalogue(schemes: Iterable[Scheme]) -> CompiledCatalogue:
    """Compiled schemes in id order, ready for evaluate_all."""
    shared: dict[Hashable, Any] = {}
    return CompiledCatalogue(compile_scheme(s, shared) for s in sorted(schemes, key=lambda s: s.id))


def evaluate_all(schemes: Iterable[Scheme | CompiledScheme], answers: Answers) -> Verdicts:
    """Every scheme's verdict: eligible first, then unknown, then ineligible, each in input order.

    Pass a compiled catalogue (compile_catalogue) to evaluate many profiles quickly: each distinct
    rule is then evaluated at most once per profile, and a profile one answer away from a recent
    one evaluates again only the undecided rules reading that answer.
    """
    if isinstance(schemes, CompiledCatalogue):
        catalogue = schemes
    else:
        shared: dict[Hashable, Any] = {}
        catalogue = CompiledCatalogue(
            s if isinstance(s, CompiledScheme) else compile_scheme(s, shared) for s in schemes
        )
    evaluation = catalogue.table.evaluate(answers)
    ineligible = evaluation.ruled_out
    eligible = catalogue.table.eligible(evaluation)
    unknown = catalogue.table.positions.difference(ineligible, eligible)
    groups: tuple[tuple[VerdictStatus, list[int]], ...] = (
        ("eligible", sorted(eligible)),
        ("unknown", sorted(unknown)),
        ("ineligible", sorted(ineligible)),
    )
    return Verdicts(catalogue, groups, answers, evaluation)
