"""The questionnaire as three creators walk it in Chromium: questions asked, results page height.

Profiles (issue 11): a French VR author, a small music label in Lyon, a digital artist living in
Dakar; each in French and English, at desktop (1280×900) and phone (390×844) width. For each it
prints the number of questions asked, the height of the results page in CSS pixels, and whether
the first eligible scheme is visible without scrolling. Give a second server with --baseline to
print an older version's figures in the same run.

Run: .venv/bin/python bench/results_page.py [--url http://127.0.0.1:5000] [--baseline URL]
     (start the servers first, e.g. `make run`; loopback only)
"""

from __future__ import annotations

import argparse
from typing import Any

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
PROFILES: dict[str, dict[str, Any]] = {
    "vr-author": {
        "applicant_type": "individual",
        "roles": ["author", "artist"],
        "sectors": ["immersive"],
        "country_zone": "france",
        "region": "ile_de_france",
        "nationality_zone": "france",
        "project_stage": "writing",
        "project_types": ["immersive_work"],
        "project_language": "fr",
        "project_started": "false",
    },
    "music-label-lyon": {
        "applicant_type": "company",
        "roles": ["music_company", "producer"],
        "sectors": ["music"],
        "country_zone": "france",
        "region": "auvergne_rhone_alpes",
        "years_of_activity": "4",
        "closed_financial_years": "3",
        "employees": "3",
        "cnm_affiliated": "true",
        "music_activity_share_percent": "90",
        "insolvency_proceedings": "false",
        "project_stage": "development",
        "project_types": ["digital_transition"],
    },
    "artist-dakar": {
        "applicant_type": "individual",
        "roles": ["artist"],
        "sectors": ["digital_arts"],
        "country_zone": "sub_saharan_africa",
        "region": "abroad",
        "nationality_zone": "sub_saharan_africa",
        "project_stage": "production",
        "project_types": ["experimental_digital_work"],
    },
}
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}


def walk(page: Page, base: str, lang: str, profile: dict[str, Any]) -> int:
    """Answer what the site asks ("I don't know" when the profile has no answer); questions."""
    page.goto(f"{base}/{lang}/questionnaire/question")
    asked = 0
    while "/questionnaire/results" not in page.url and asked < 60:
        variable = page.locator("input[name=asked]").get_attribute("value") or ""
        answer = profile.get(variable)
        asked += 1
        if answer is None:
            page.locator("button[name=dont_know]").click()
            continue
        values = answer if isinstance(answer, list) else [answer]
        boxes = page.locator(
            f"input[name={variable}][type=checkbox], input[name={variable}][type=radio]"
        )
        if boxes.count():
            for value in values:
                page.locator(f"input[name={variable}][value={value}]").check()
        else:
            page.locator(f"input[name={variable}]").fill(str(values[0]))
        page.locator("form.question button[type=submit]:not([name])").click()
    return asked


def measure(page: Page, base: str, lang: str, profile: dict[str, Any]) -> dict[str, Any]:
    """Questions asked, results height, and where the first eligible scheme starts."""
    questions = walk(page, base, lang, profile)
    height = page.evaluate("document.documentElement.scrollHeight")
    first = page.locator("section:has(#group-eligible) article").first
    top = first.bounding_box()["y"] if first.count() else None
    viewport = page.viewport_size or {"height": 0}
    return {
        "questions": questions,
        "height": height,
        "first_eligible_top": top,
        "first_eligible_visible": top is not None and top < viewport["height"],
    }


def run(base: str) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Every profile × language × viewport against one server."""
    figures = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"]
        )
        for view, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            for name, profile in PROFILES.items():
                for lang in ("fr", "en"):
                    figures[(name, lang, view)] = measure(page, base, lang, profile)
            context.close()
        browser.close()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:5000")
    parser.add_argument("--baseline", help="an older version's server, measured in the same run")
    args = parser.parse_args()
    runs = {"this version": run(args.url)}
    if args.baseline:
        runs["baseline"] = run(args.baseline)
    head = ("version", "profile", "lang", "view", "questions", "height px")
    print("{:13} {:17} {:4} {:7} {:>9} {:>9} first eligible".format(*head))
    for version, figures in runs.items():
        for (name, lang, view), f in figures.items():
            top = (
                "none"
                if f["first_eligible_top"] is None
                else (
                    f"{f['first_eligible_top']:.0f} px"
                    + (" (visible)" if f["first_eligible_visible"] else " (below the fold)")
                )
            )
            row = (version, name, lang, view, f["questions"], f["height"], top)
            print("{:13} {:17} {:4} {:7} {:>9} {:>9} {}".format(*row))


if __name__ == "__main__":
    main()
