"""``python -m bench.geoparse.run``: geoparsing quality and speed; a table and JSON."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table

from app.gazetteer.loader import builtin_places, snapshot_of
from app.geoparse.parser import geoparse
from bench.geoparse import agency, evaluate, throughput

RESULTS = Path(__file__).resolve().parents[1] / "results"
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "hmeimim-deir-ez-zor.ar.txt"
SEED_EXPECTED = {
    "sy-deir-ez-zor-military-airport",
    "sy-al-tanf-crossing",
    "sy-qamishli-airport",
    "sy-hmeimim-air-base",
    "sy-deir-ez-zor",
    "sy-damascus",
    "iq-baghdad",
    "sy-idlib",
    "sy-eastern-homs-countryside",
}


def _seed_check(snapshot: Any) -> dict[str, Any] | None:
    """The real article in ../shared/seeds (not shipped with the project), when present."""
    if not SEED.exists():
        return None
    parsed = geoparse(snapshot, SEED.read_text(encoding="utf-8"))
    linked = {m.place.id for m in parsed.mentions}
    syrian_extra = sorted(p for p in linked - SEED_EXPECTED if p.startswith(("sy-", "gn-")))
    roles = sorted(
        {(m.place.id, role) for m, role in zip(parsed.mentions, parsed.roles.role, strict=True)}
    )
    return {
        "focus_governorate": parsed.focus.governorate_pcode,  # SY09: the operations' area
        "focus_scores": parsed.focus.scores,
        "roles": [f"{place} {role}" for place, role in roles],
        "missing": sorted(SEED_EXPECTED - linked),
        "other_syrian_links": syrian_extra,
        "all_links": sorted(linked),
    }


def _agency(
    console: Console, snapshot: Any, report: dict[str, Any], errors: dict[str, Any]
) -> None:
    """Focus and event places on the agency-style sets (long wire reports)."""
    table = Table(title="Agency news: focus governorate and each event's place")
    columns = ("set", "language", "reports", "focus gov.", "events", "drafted", "place@25km")
    for column in (*columns, "same gov.", "focus as place@25km"):
        table.add_column(column, justify="right")
    for labelled_set in agency.SETS:
        if not agency.available(labelled_set):
            continue
        report[f"agency_{labelled_set}"] = {}
        for language in ("ar", "en"):
            result = agency.evaluate(snapshot, language, labelled_set)
            s = result.summary()
            report[f"agency_{labelled_set}"][language] = s
            errors[f"agency_{labelled_set}_{language}"] = result.errors
            table.add_row(
                labelled_set,
                language,
                str(s["reports"]),
                f"{s['focus_governorate_accuracy']:.3f}",
                str(s["events"]),
                f"{s['events_drafted']:.3f}",
                f"{s['event_place_within_25km']:.3f}",
                f"{s['event_governorate_accuracy']:.3f}",
                f"{s['focus_as_event_place_within_25km']:.3f}",
            )
    console.print(table)


def main() -> None:
    console = Console()
    started = time.perf_counter()
    snapshot = snapshot_of(builtin_places())
    load_s = time.perf_counter() - started
    report: dict[str, Any] = {
        "gazetteer_places": len(snapshot.places),
        "gazetteer_load_s": round(load_s, 2),
    }
    errors: dict[str, Any] = {}
    for labelled_set in evaluate.SETS:
        if not evaluate.available(labelled_set):
            continue
        report[labelled_set] = {}
        table = Table(
            title=f"Geoparsing quality, {labelled_set} set (overlap match; exact-span F1 beside it)"
        )
        for column in ("language", "class", "gold", "P", "R", "F1", "exact F1", "acc@25km"):
            table.add_column(column, justify="right")
        for language in ("ar", "en"):
            result = evaluate.evaluate(snapshot, language, labelled_set)
            scores = evaluate.summary(result)
            report[labelled_set][language] = scores
            errors[f"{labelled_set}_{language}"] = result.errors
            for name, s in [("all", scores), *scores["by_class"].items()]:
                table.add_row(
                    language,
                    name,
                    str(s["gold"]),
                    f"{s['precision']:.3f}",
                    f"{s['recall']:.3f}",
                    f"{s['f1']:.3f}",
                    f"{s['exact_f1']:.3f}",
                    f"{s['acc_25km']:.3f}",
                )
            table.add_row(
                language,
                "focus gov.",
                str(scores["reports"]),
                "",
                "",
                "",
                "",
                f"{scores['focus_governorate_accuracy']:.3f}",
                end_section=True,
            )
        console.print(table)
    _agency(console, snapshot, report, errors)
    docs = throughput.documents(evaluate.load_gold("ar") + evaluate.load_gold("en"))
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    report["throughput"] = throughput.measure(snapshot, docs)
    console.print(
        f"Throughput (one core): {report['throughput']['reports_per_s']} reports/s "
        f"of ~{report['throughput']['words_per_report']:.0f} words"
    )
    seed = _seed_check(snapshot)
    if seed is not None:
        report["seed_article"] = seed
        console.print(
            f"Seed article: focus {seed['focus_governorate']}; missing "
            f"{seed['missing'] or 'nothing'}; other Syrian links "
            f"{seed['other_syrian_links'] or 'none'}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "geoparse.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    (RESULTS / "geoparse_errors.json").write_bytes(orjson.dumps(errors, option=orjson.OPT_INDENT_2))
    console.print(f"Wrote {RESULTS / 'geoparse.json'} and geoparse_errors.json")


if __name__ == "__main__":
    main()
