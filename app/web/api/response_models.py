"""The JSON API's response shapes, declared once: they serialise the JSON and give its schemas."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    RootModel,
    WithJsonSchema,
    create_model,
)
from pydantic.json_schema import JsonSchemaValue, SkipJsonSchema
from pydantic_core import CoreSchema

from app.eligibility.report import CriterionReport, Slug, Url, VerdictReport, VerdictScheme
from app.facets import AUDIENCE_FACETS
from app.i18n import Lang
from app.scheme_rules import VerifyBy
from app.schemes import PARTIAL_DATE_PATTERN, FixedPer, Kind, LifecycleStatus, SourceKind
from app.vocabulary import VariableType
from app.web.core.reference import vocabulary


@dataclass(frozen=True)
class OneOf:
    """A string among values read when the schema is built (the vocabulary's, which a deployment
    may change): the enum of its JSON schema."""

    values: Callable[[], Iterable[str]]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": list(self.values())}


def _variables() -> Iterable[str]:
    return vocabulary().variables


def _organisations() -> Iterable[str]:
    return vocabulary().organisations


def _values_of(variable_id: str) -> Callable[[], Iterable[str]]:
    return lambda: vocabulary().variable(variable_id).value_ids()


PartialDate = Annotated[str, WithJsonSchema({"type": "string", "pattern": PARTIAL_DATE_PATTERN})]
VariableId = Annotated[str, OneOf(_variables)]
OrganisationId = Annotated[str, OneOf(_organisations)]
Count = Annotated[int, Field(ge=0)]


class ApiModel(BaseModel):
    """A closed JSON object: every key declared, none other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def json_data(self) -> dict[str, Any]:
        """The object as JSON data, keys in declaration order (keys left unset are absent)."""
        return self.model_dump(mode="json", exclude_unset=True)


class Deadline(ApiModel):
    """The next date to apply by: all year round (rolling), or the closing date of the next
    session; null when none is announced or the scheme is inactive. `expected` marks a date
    foreseen from the funder's usual rhythm, not confirmed."""

    rolling: bool
    closes: date | None
    expected: bool


class FixedSum(ApiModel):
    """A sum the scheme pays as such, once per `per` (a lump sum is per project); `text` is the
    sum in words in the requested language."""

    eur: Annotated[int, Field(ge=1)]
    per: FixedPer
    label: str | None
    text: str


AMOUNT_TEXT = (
    "The amount in one line, in the requested language (range, rate, first fixed sums), or "
    "that no amount is published."
)

F = TypeVar("F")
L = TypeVar("L")


class _Scheme(ApiModel, Generic[F, L]):
    # The summary and the detail share these keys, in this order; the detail's funder and
    # lifecycle are objects where the summary's are ids.
    id: Slug
    name: str
    funder: F
    kind: Kind
    lifecycle: L
    replaced_by: Slug | None
    url: Url
    summary: str
    score: float | None
    next_deadline: Deadline | None
    amount_text: Annotated[str, Field(description=AMOUNT_TEXT)]


class SchemeSummary(_Scheme[OrganisationId, LifecycleStatus]):
    pass


class Facets(RootModel[dict[str, dict[str, int]]]):
    # Counts by facet and value; openapi.py details the schema from the filter form's choices.
    pass


class SchemeList(ApiModel):
    total: Count
    page: Annotated[int, Field(ge=1)]
    per_page: Annotated[int, Field(ge=1)]
    items: list[SchemeSummary]
    facets: Facets
    suggestion: Annotated[
        str | None,
        Field(
            description="The corrected words whose results these are, when the words as typed "
            "found nothing."
        ),
    ]
    corrected: bool
    fuzzy: bool
    include_closed: Annotated[
        bool, Field(description="Whether closed and replaced schemes are listed.")
    ]
    closed_total: Annotated[
        Count, Field(description="How many of `total` are closed or replaced (listed last).")
    ]


class Suggestion(ApiModel):
    label: str
    kind: Literal["scheme", "funder", "term"]
    id: str
    lang: Lang
    url: Url


class Suggestions(ApiModel):
    query: str
    items: list[Suggestion]


class Contact(ApiModel):
    url: Url | None
    email: str | None
    phone: str | None
    source: Url
    checked: date


class Organisation(ApiModel):
    id: OrganisationId
    acronym: str
    name: str
    url: Url
    contact: Contact | None


class Link(ApiModel):
    id: Slug
    name: str | None
    url: Url


class Lifecycle(ApiModel):
    status: LifecycleStatus
    since: PartialDate | None
    replaced_by: Link | None
    note: str | None
    source: str


def _audience_model() -> type[ApiModel]:
    # One key per audience facet (app.facets), each value's id among its variable's values.
    fields: dict[str, Any] = {}
    for facet in AUDIENCE_FACETS:
        value = create_model(
            facet.field.title().replace("_", "") + "Value",
            __base__=ApiModel,
            id=(Annotated[str, OneOf(_values_of(facet.variable))], ...),
            label=(str, ...),
        )
        fields[facet.field] = (list[value], ...)
    return create_model(
        "Audience", __base__=ApiModel, **fields, note=(str | None, ...), source=(str, ...)
    )


Audience = _audience_model()


class Amounts(ApiModel):
    min_eur: Count | None
    max_eur: Count | None
    max_rate_percent: Annotated[
        int | float | None,
        WithJsonSchema(
            {
                "anyOf": [
                    {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                    {"type": "null"},
                ]
            }
        ),
    ]
    fixed: list[FixedSum]
    note: str | None
    source: str


class CalendarSession(ApiModel):
    label: str | None
    opens: date | None
    closes: date
    expected: bool
    source: str


class Calendar(ApiModel):
    rolling: bool
    sessions: list[CalendarSession]
    note: str | None
    source: str | None


class Apply(ApiModel):
    url: Url
    how: str | None
    documents: str | None
    source: str


class Note(ApiModel):
    text: str
    source: str


class Criterion(ApiModel):
    id: Slug
    label: str
    variables: list[VariableId]
    verify_by: VerifyBy | None
    source: str


class Source(ApiModel):
    id: Slug
    url: Url
    title: str
    kind: SourceKind
    page_date: PartialDate | None
    checked: date


class SchemeDetail(_Scheme[Organisation, Lifecycle]):
    description: str
    operator: Organisation | None
    parent: Link | None
    audience: Audience  # type: ignore[valid-type]  # a model built from the facet table
    amounts: Amounts | None
    calendar: Calendar | None
    apply: Apply | None
    newest_evidence: date | None
    may_be_out_of_date: bool
    notes: list[Note]
    criteria: list[Criterion]
    sources: Annotated[list[Source], Field(min_length=1)]


class QuestionValue(ApiModel):
    id: str
    label: str


class Question(ApiModel):
    # values, min and max are absent (not null) where the variable has none.
    id: VariableId
    type: VariableType
    label: str
    help: str
    values: Annotated[list[QuestionValue], Field(min_length=1)] | SkipJsonSchema[None] = None
    min: float | SkipJsonSchema[None] = None
    max: float | SkipJsonSchema[None] = None


class Questions(ApiModel):
    questions: list[Question]


class Answered(ApiModel):
    variable: VariableId
    question: str
    value: Annotated[Any, Field(description="The raw answer; null for I don't know.")]
    text: str


EXPLANATION = (
    "The criterion for this profile in plain words: what is wrong and the answer it came from, "
    "what to check and by whom, or that it is met."
)


class VerdictCriterion(CriterionReport):
    variables: list[VariableId]
    explanation: Annotated[str, Field(description=EXPLANATION)]
    answer: list[Answered]


class VerdictSchemeLink(VerdictScheme):
    url: Url


class Verdict(VerdictReport):
    # The report of app.eligibility.report, with the scheme's page, each criterion in words and
    # the scheme's next deadline.

    scheme: VerdictSchemeLink
    criteria: Sequence[VerdictCriterion]
    next_deadline: Deadline | None


class VerdictCounts(ApiModel):
    eligible: Count
    unknown: Count
    ineligible: Count


PAGED_ONLY = "Only when the request asks for a page (page or per_page)."


class EligibilityResult(ApiModel):
    # Without page and per_page in the request, every verdict and none of the paging keys: the
    # response of contract.md §4 as it was before paging, byte for byte.
    total: Annotated[
        Count | SkipJsonSchema[None],
        Field(description=f"How many schemes were judged (all pages). {PAGED_ONLY}"),
    ] = None
    page: Annotated[
        Annotated[int, Field(ge=1)] | SkipJsonSchema[None],
        Field(description=f"This page's number, from 1. {PAGED_ONLY}"),
    ] = None
    per_page: Annotated[
        Annotated[int, Field(ge=1)] | SkipJsonSchema[None],
        Field(description=f"Verdicts per page. {PAGED_ONLY}"),
    ] = None
    counts: Annotated[
        VerdictCounts | SkipJsonSchema[None],
        Field(description=f"How many of `total` have each status (all pages). {PAGED_ONLY}"),
    ] = None
    results: Annotated[
        list[Verdict],
        Field(
            description="The verdicts, eligible first, then unknown, then ineligible (each group "
            "in scheme id order): all of them, or the page asked for."
        ),
    ]
    next_questions: list[VariableId]
    finished: bool
    nothing_can_match: bool
    rules_date: date | None


# The response bodies, with every model they contain, in the OpenAPI document.
RESPONSE_MODELS: tuple[type[BaseModel], ...] = (
    SchemeList,
    SchemeDetail,
    Suggestions,
    Questions,
    EligibilityResult,
)
