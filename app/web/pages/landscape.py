"""The landscape page (/fr/panorama/, /en/landscape/): the catalogue drawn as SVG bar charts.

Charts are drawn on the server by pygal 3.0.5 (pure Python, one small dependency, writes SVG
and lets each bar be a link; matplotlib's SVG backend would bring numpy and Pillow and write a
style attribute on every element, which the CSP refuses), then made fit for this site: pygal's
<style> and <script> are removed (the CSP forbids inline style and script; style.css styles the
classes pygal emits), and the <svg> gets role="img", a <title> and a <desc>. Each chart has a
data table beside it with the same numbers and links, so nothing needs JavaScript, a mouse or
sight. A bar links to the scheme list filtered the same way, and for the charts by funder,
sector, kind and status its number is that list's total (tests/test_landscape.py checks each).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pygal
import pygal.style
from flask import Blueprint, Response, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from app.deadlines import today_in_paris
from app.landscape import AMOUNT_RANGES, Landscape, build_landscape
from app.schemes import Scheme
from app.web.core.catalogue_cache import current_catalogue
from app.web.core.labels import KIND_LABELS, LIFECYCLE_LABELS
from app.web.core.locale import current_language, respelled, spelled_url
from app.web.core.reference import vocabulary
from app.web.pages.calendar_page import calendar_url

# pygal appends to sys.meta_path a finder for its map plugins (pygal.maps.*, unused here) that
# predates find_spec: every failed import anywhere else then warns (ImportWarning), which turns
# the "try: import x / except ImportError" of other libraries into errors under -W error.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

blueprint = Blueprint("landscape", __name__)

AMOUNT_LABELS = {
    "under_10k": _l("Up to €10,000"),
    "10k_50k": _l("€10,000 to €50,000"),
    "50k_200k": _l("€50,000 to €200,000"),
    "200k_plus": _l("€200,000 or more"),
    "not_stated": _l("Amount not stated"),
}
# What each chart shows, for its <desc> and caption (read by screen readers).
DESCRIPTIONS = {
    "funders": _l(
        "Horizontal bars, one per funder, longest first; each bar links to the list of "
        "that funder's current schemes."
    ),
    "stages": _l(
        "Horizontal bars, one per project stage, counting the schemes whose conditions "
        "accept that stage; each bar links to the questionnaire's results for that stage."
    ),
    "kinds": _l(
        "Horizontal stacked bars, one per kind of support, split by the range of the "
        "maximum amount."
    ),
    "years": _l(
        "Vertical bars by year: schemes open since that year, and schemes closed or "
        "replaced that year."
    ),
    "deadlines": _l(
        "Vertical bars, one per month: how many application sessions of current schemes "
        "close that month; each bar links to that month in the deadline calendar."
    ),
    "sectors": _l(
        "Horizontal bars, one per sector; a scheme open to several sectors counts in each."
    ),
    "statuses": _l("Horizontal bars, one per status, closed and replaced schemes included."),
}
CHART_WIDTH = 720
FONT_SIZE = 14
# pygal reserves room for labels from these sizes; site.css draws the text at the same size.
CHART_STYLE = pygal.style.Style(
    font_family="system-ui, sans-serif",
    label_font_size=FONT_SIZE,
    major_label_font_size=FONT_SIZE,
    legend_font_size=FONT_SIZE,
    value_font_size=FONT_SIZE,
    tooltip_font_size=FONT_SIZE,
    title_font_size=FONT_SIZE,
)
BAR_HEIGHT = 34
# pygal's inline style and script (refused by the CSP), comments, and its own <title>s (a
# "Pygal" title and raw numbers on guides) that would compete with the chart's title.
_REMOVED = re.compile(
    r"<style\b.*?</style>|<script\b.*?</script>|<!--.*?-->|<title>[^<]*</title>", re.S
)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


@dataclass(frozen=True)
class Mark:
    """One bar: its label, number, the list it links to, and the schemes it counts."""

    label: str
    count: int
    href: str | None
    schemes: list[Scheme] = field(default_factory=list)


@dataclass(frozen=True)
class Series:
    """Bars of one colour (a chart has one series, or several stacked or side by side)."""

    name: str
    marks: list[Mark]


@dataclass(frozen=True)
class Chart:
    """A chart, drawn, with the data of its table."""

    id: str
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    svg: Markup
    # Stacked charts: the whole bar of each category, which is what its link lists.
    totals: list[Mark] = field(default_factory=list)


def _accessible(svg: str, chart_id: str, title: str, description: str) -> Markup:
    """pygal's SVG without inline style or script, named and described for assistive tools."""
    svg = _REMOVED.sub("", svg).replace('style="opacity: 0"', 'opacity="0"')
    opening = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'class="pygal-chart" viewBox="{_view_box(svg)}" role="img" '
        f'aria-labelledby="{chart_id}-svg-title {chart_id}-svg-desc" focusable="false">'
        f'<title id="{chart_id}-svg-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-svg-desc">{escape(description)}</desc>'
    )
    # Safe to mark: pygal builds the SVG as an XML tree (every label escaped by the serialiser),
    # and the title and description above are escaped.
    drawn = _SVG_OPEN.sub(lambda _match: opening, svg, count=1)
    return Markup(drawn)  # noqa: S704  # nosec B704


def _view_box(svg: str) -> str:
    found = re.search(r'viewBox="([^"]+)"', svg)
    return found.group(1) if found else f"0 0 {CHART_WIDTH} 400"


def _draw(
    chart_id: str,
    title: str,
    description: str,
    categories: list[str],
    series: list[Series],
    *,
    stacked: bool = False,
    horizontal: bool = True,
    totals: list[Mark] | None = None,
) -> Chart:
    kind = (
        (pygal.HorizontalStackedBar if stacked else pygal.HorizontalBar)
        if horizontal
        else (pygal.StackedBar if stacked else pygal.Bar)
    )
    height = max(220, BAR_HEIGHT * len(categories) + 120) if horizontal else 360
    plot = kind(
        width=CHART_WIDTH,
        height=height,
        js=[],
        disable_xml_declaration=True,
        no_prefix=True,
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=2,
        truncate_label=-1,
        truncate_legend=-1,
        x_label_rotation=0 if horizontal else 30,
        print_zeroes=False,
        margin=12,
        style=CHART_STYLE,
    )
    # pygal draws the first category at the bottom of a horizontal chart: reverse, so that the
    # chart reads top-down in the same order as its table.
    order = list(reversed(range(len(categories)))) if horizontal else list(range(len(categories)))
    plot.x_labels = [categories[i] for i in order]
    for one in series:
        marks = [one.marks[i] for i in order]
        plot.add(
            one.name,
            [
                {
                    "value": mark.count,
                    "label": f"{mark.label}: {mark.count}",
                    # The table beside the chart holds the same links for the keyboard.
                    **(
                        {"xlink": {"href": mark.href, "target": "_self", "tabindex": "-1"}}
                        if mark.href
                        else {}
                    ),
                }
                if mark.count
                else None
                for mark in marks
            ],
        )
    svg = plot.render(is_unicode=True)
    return Chart(
        chart_id,
        title,
        description,
        categories,
        series,
        _accessible(svg, chart_id, title, description),
        totals or [],
    )


def _link(href: str) -> dict[str, str]:
    # Same page, and out of the tab order: the table beside the chart has the same links.
    return {"href": href, "target": "_self", "tabindex": "-1"}


def _list_url(**filters: str | list[str]) -> str:
    values: dict[str, Any] = filters  # url_for's values are Any
    return url_for("public.scheme_list", **values)


def _simple(
    chart_id: str, title: str, description: str, marks: list[Mark], series_name: str
) -> Chart:
    categories = [f"{mark.label} ({mark.count})" for mark in marks]
    return _draw(chart_id, title, description, categories, [Series(series_name, marks)])


def _charts(land: Landscape, lang: str) -> list[Chart]:
    vocab = vocabulary()
    schemes_word = _("Schemes")
    funders = [
        Mark(vocab.organisations[f].acronym, len(s), _list_url(funder=f), s)
        for f, s in land.by_funder.items()
    ]
    sectors_variable = vocab.variable("sectors")
    sectors = [
        Mark(sectors_variable.value_label(v, lang), len(s), _list_url(sector=v), s)
        for v, s in land.by_sector.items()
    ]
    stage_variable = vocab.variable("project_stage")
    stages = [
        Mark(
            stage_variable.value_label(v, lang),
            len(s),
            url_for("questionnaire.results", project_stage=v),
            s,
        )
        for v, s in land.by_stage.items()
    ]
    kinds = list(land.by_kind)
    kind_categories = [
        f"{KIND_LABELS[k]} ({sum(len(v) for v in land.by_kind[k].values())})" for k in kinds
    ]
    amount_series = [
        Series(
            str(AMOUNT_LABELS[name]),
            [
                Mark(
                    str(KIND_LABELS[k]),
                    len(land.by_kind[k][name]),
                    _list_url(kind=k, sort="amount"),
                    land.by_kind[k][name],
                )
                for k in kinds
            ],
        )
        for name in AMOUNT_RANGES
    ]
    statuses = [
        Mark(str(LIFECYCLE_LABELS[v]), len(s), _list_url(lifecycle=v), s)
        for v, s in land.by_status.items()
        if s
    ]
    years = sorted(set(land.started_by_year) | set(land.ended_by_year))
    time_series = [
        Series(
            _("Opened or current since"),
            [
                Mark(
                    str(y),
                    len(land.started_by_year.get(y, [])),
                    _list_url(),
                    land.started_by_year.get(y, []),
                )
                for y in years
            ],
        ),
        Series(
            _("Closed or replaced"),
            [
                Mark(
                    str(y),
                    len(land.ended_by_year.get(y, [])),
                    _list_url(lifecycle=["closed", "replaced"]),
                    land.ended_by_year.get(y, []),
                )
                for y in years
            ],
        ),
    ]
    months = [
        Mark(
            format_date(date(y, m, 1), "LLLL y"),
            len(d),
            f"{calendar_url()}#month-{date(y, m, 1).isoformat()}",
            [x.scheme for x in d],
        )
        for (y, m), d in land.deadlines_by_month.items()
    ]
    return [
        _simple(
            "funders",
            _("Current schemes by funder"),
            str(DESCRIPTIONS["funders"]),
            funders,
            schemes_word,
        ),
        _simple(
            "sectors",
            _("Current schemes by sector"),
            str(DESCRIPTIONS["sectors"]),
            sectors,
            schemes_word,
        ),
        _simple(
            "stages",
            _("Current schemes by project stage"),
            str(DESCRIPTIONS["stages"]),
            stages,
            schemes_word,
        ),
        _draw(
            "kinds",
            _("Current schemes by kind of support and maximum amount"),
            str(DESCRIPTIONS["kinds"]),
            kind_categories,
            amount_series,
            stacked=True,
            totals=[
                Mark(
                    str(KIND_LABELS[k]),
                    sum(len(v) for v in land.by_kind[k].values()),
                    _list_url(kind=k),
                )
                for k in kinds
            ],
        ),
        _simple(
            "statuses",
            _("All schemes by status"),
            str(DESCRIPTIONS["statuses"]),
            statuses,
            schemes_word,
        ),
        _draw(
            "years",
            _("Openings and closures by year"),
            str(DESCRIPTIONS["years"]),
            [str(y) for y in years],
            time_series,
            horizontal=False,
        ),
        _draw(
            "deadlines",
            _("Deadlines in the next 12 months"),
            str(DESCRIPTIONS["deadlines"]),
            [m.label for m in months],
            [Series(_("Deadlines"), months)],
            horizontal=False,
        ),
    ]


@blueprint.app_context_processor
def _landscape_link() -> dict[str, object]:
    return {"landscape_url": lambda: spelled_url("landscape.landscape")}


# contract §7: /fr/panorama/ and /en/landscape/; the other spelling redirects to it.
@blueprint.get("/panorama/", endpoint="panorama")
@blueprint.get("/landscape/", endpoint="landscape")
def landscape() -> Response | str:
    """The pictures of the catalogue, each with its data table."""
    redirect_to = respelled()
    if redirect_to is not None:
        return redirect_to
    lang = current_language()
    schemes = current_catalogue().schemes
    stages = list(vocabulary().variable("project_stage").value_ids())
    today = today_in_paris()
    land = build_landscape(schemes, stages, today)
    names = {s.id: s for s in schemes}
    return render_template(
        "public/landscape.html",
        charts=_charts(land, lang),
        land=land,
        names=names,
        total=len(schemes),
        current=sum(1 for s in schemes if s.is_active()),
        today=today,
        count_text=lambda n: ngettext("%(num)d scheme", "%(num)d schemes", n),
    )
