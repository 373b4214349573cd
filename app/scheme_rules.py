"""The rule format of scheme files: conditions combined with all / any / not, criteria, examples."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.formats import SLUG_PATTERN
from app.i18n import Localized
from app.reasons import model_refusal
from app.scheme_operators import known_operator

# A condition's operator: a name of the registry (app/scheme_operators.py).
Operator = Annotated[str, AfterValidator(known_operator)]
VerifyBy = Literal["applicant", "funder"]
VerdictStatus = Literal["eligible", "ineligible", "unknown"]
SLUG = SLUG_PATTERN  # its old name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Rule(_Strict):
    """Either a condition (variable, operator, value) or a combination: all, any or not."""

    all: tuple[Rule, ...] | None = Field(default=None, min_length=1)
    any: tuple[Rule, ...] | None = Field(default=None, min_length=1)
    not_: Rule | None = Field(default=None, alias="not")
    variable: str | None = None
    operator: Operator | None = None
    value: bool | int | float | str | tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Rule:
        combinations = [self.all, self.any, self.not_]
        is_condition = self.variable is not None or self.operator is not None
        forms = sum(part is not None for part in combinations) + int(is_condition)
        if forms != 1:
            raise model_refusal("rule_one_form")
        if is_condition:
            # Each part the condition lacks is reported at its own field.
            for name in ("variable", "operator", "value"):
                if getattr(self, name) is None:
                    raise model_refusal("required", at=name)
        return self

    def variables(self) -> tuple[str, ...]:
        """Every variable this rule reads, in order of appearance, without repeats."""
        if self.variable is not None:
            return (self.variable,)
        children = self.all or self.any or ((self.not_,) if self.not_ else ())
        return tuple(dict.fromkeys(v for child in children for v in child.variables()))

    def conditions(self) -> list[Rule]:
        """The leaf conditions of this rule."""
        if self.variable is not None:
            return [self]
        children = self.all or self.any or ((self.not_,) if self.not_ else ())
        return [leaf for child in children for leaf in child.conditions()]


class Criterion(_Strict):
    """One eligibility condition, its plain-words label, and the official source it comes from.

    A criterion with `verify_by` can only be checked by the applicant or the funder: it is
    reported "to verify" (unknown), never silently met; its rule, if any, can still fail it.
    """

    id: str = Field(pattern=SLUG)
    label: Localized
    rule: Rule | None = None
    verify_by: VerifyBy | None = None
    source: str

    @model_validator(mode="after")
    def _rule_or_verification(self) -> Criterion:
        if self.rule is None and self.verify_by is None:
            raise model_refusal("criterion_needs_rule", at="verify_by")
        return self


class Example(_Strict):
    """A profile with the verdict the rules must give it: the scheme's own tests."""

    title: str = Field(min_length=1)
    answers: dict[str, Any]
    expect: VerdictStatus
    failed: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _failed_matches_expectation(self) -> Example:
        if self.expect == "ineligible" and not self.failed:
            raise model_refusal("ineligible_names_failed", at="failed")
        if self.expect != "ineligible" and self.failed:
            raise model_refusal("failed_only_when_ineligible", at="failed")
        return self
