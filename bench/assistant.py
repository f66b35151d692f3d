"""The assistant's figures: help answers, report triage and duplicate finding.

    python bench/assistant.py            # the demo's 400 past cases train the classifier
    python bench/assistant.py --cases 1000

Evaluation sets (never trained on): `bench/data/assistant-questions.jsonl` and
`bench/data/assistant-reports.jsonl`, written by hand for Publica, and the 190 real resident
reports in `../shared/data/real-reports-seeclickfix-2024.jsonl` when that folder is beside
the checkout. Prints:

- help answers: top-1 and top-3 accuracy over the questions whose service is in the
  catalogue, the share of the others answered "I do not know", and the answer time p50/p95
  (`assistant_ask`, as the portal and the API call it, logging included);
- triage: the held-back accuracy and macro-F1 that `publica assistant train` stores, then the
  model's accuracy on the hand-written reports and on the real ones;
- duplicates: precision and recall of the duplicate finder on seeded towns, with report texts
  from each set (see `_seeded_town`).

Runs on SQLite, in a fresh data folder: these figures do not depend on the database.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_REPORTS = SHARED / "real-reports-seeclickfix-2024.jsonl"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _setup(cases: int) -> None:
    os.environ.setdefault("PUBLICA_DATA_DIR", tempfile.mkdtemp(prefix="publica-bench-"))
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publica.settings")
    os.environ.setdefault("PUBLICA_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    from publica.demo.load import load_demo

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_demo(cases=cases)


# ---------------------------------------------------------------------------- triage


def triage(reports: list[dict[str, Any]], real: list[dict[str, Any]]) -> dict[str, Any]:
    from publica.assistant.services.triage import triage_suggest, triage_train
    from publica.core.actors import SystemActor

    model = triage_train(actor=SystemActor("bench"))

    def accuracy(rows: list[dict[str, Any]]) -> dict[str, Any]:
        labelled = [row for row in rows if row["service"]]
        right = 0
        for row in labelled:
            found = triage_suggest(text=row["text"], top=1)
            right += bool(found) and found[0].slug == row["service"]
        return {"accuracy": round(right / len(labelled), 3), "reports": len(labelled)}

    return {
        "held_out": {"accuracy": round(model.accuracy, 3), "macro_f1": round(model.macro_f1, 3),
                     "cases": model.held_out, "trained_on": model.samples},
        "hand_written": accuracy(reports),
        "real": accuracy(real) if real else None,
    }  # fmt: skip


# ---------------------------------------------------------------------------- duplicates

#: A town of about 4 by 4 km around Millbrook's invented centre.
CENTRE = (52.03, -0.98)


def _moved(point: tuple[float, float], metres: float, rng: random.Random) -> tuple[float, float]:
    bearing = rng.uniform(0, 2 * math.pi)
    north, east = metres * math.cos(bearing), metres * math.sin(bearing)
    return (point[0] + north / 111_320,
            point[1] + east / (111_320 * math.cos(math.radians(point[0]))))  # fmt: skip


def _seeded_town(texts: dict[str, list[str]], rng: random.Random, problems: int = 200) -> Any:
    """Open reports scattered over a town, and new reports to check against them: a third the
    same problem again (same service, within 30 m, in another resident's words: another text
    of that service), a third a different problem of the same service 80 to 600 m away, and a
    third a different service's problem within 30 m. Returns (open reports, [(new report,
    the open report it repeats or None)])."""
    from publica.assistant.duplicates import Report

    services = sorted(service for service, pool in texts.items() if len(pool) >= 4)
    opened: list[Report] = []
    for n in range(problems):
        service = rng.choice(services)
        point = _moved(CENTRE, rng.uniform(0, 2000), rng)
        opened.append(Report(f"open-{n}", service, *point, text=rng.choice(texts[service])))
    queries: list[tuple[Report, str | None]] = []
    for n, original in enumerate(opened):
        kind = n % 3
        assert original.latitude is not None and original.longitude is not None
        here = (original.latitude, original.longitude)
        if kind == 0:
            text = rng.choice([t for t in texts[original.service] if t != original.text])
            point = _moved(here, rng.uniform(0, 30), rng)
            queries.append((Report(f"new-{n}", original.service, *point, text=text), original.key))
        elif kind == 1:
            point = _moved(here, rng.uniform(80, 600), rng)
            text = rng.choice(texts[original.service])
            queries.append((Report(f"new-{n}", original.service, *point, text=text), None))
        else:
            other = rng.choice([s for s in services if s != original.service])
            point = _moved(here, rng.uniform(0, 30), rng)
            queries.append((Report(f"new-{n}", other, *point, text=rng.choice(texts[other])), None))
    return opened, queries


def duplicates(rows: list[dict[str, Any]], seed: int = 2026) -> dict[str, Any]:
    """Precision and recall of the best match the finder offers (as the portal's first
    "Is it one of these?" choice), over three seeded towns."""
    from publica.assistant.duplicates import find

    texts: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["service"]:
            texts[row["service"]].append(row["text"])
    found = right = repeats = 0
    for town in range(3):
        opened, queries = _seeded_town(texts, random.Random(seed + town))
        for query, repeated in queries:
            matches = find(query, opened, limit=1)
            repeats += repeated is not None
            if matches:
                found += 1
                right += matches[0].key == repeated
    return {"precision": round(right / found, 3) if found else None,
            "recall": round(right / repeats, 3), "new_reports": 3 * len(queries)}  # fmt: skip


# ---------------------------------------------------------------------------- help answers


def help_answers(questions: list[dict[str, Any]]) -> dict[str, Any]:
    from publica.assistant.services.help import assistant_ask
    from publica.core.actors import SystemActor

    actor = SystemActor("bench")
    known = [row for row in questions if row["service"]]
    unknown = [row for row in questions if not row["service"]]
    assistant_ask(known[0]["question"], channel="api", actor=actor)  # warm: index, model
    top1 = top3 = 0
    times: list[float] = []
    for row in known:
        began = time.perf_counter()
        answer = assistant_ask(row["question"], channel="api", actor=actor)
        times.append(time.perf_counter() - began)
        slugs = [match.slug for match in answer.matches]
        top1 += bool(slugs) and slugs[0] == row["service"]
        top3 += row["service"] in slugs[:3]
    declined = 0
    for row in unknown:
        began = time.perf_counter()
        answer = assistant_ask(row["question"], channel="api", actor=actor)
        times.append(time.perf_counter() - began)
        declined += not answer.answered
    times.sort()
    return {
        "top1": round(top1 / len(known), 3),
        "top3": round(top3 / len(known), 3),
        "questions": len(known),
        "declined_unknown": round(declined / len(unknown), 3) if unknown else None,
        "unknown": len(unknown),
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[int(len(times) * 0.95)] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400, help="demo past cases to train on")
    args = parser.parse_args()
    questions = _lines(DATA / "assistant-questions.jsonl")
    reports = _lines(DATA / "assistant-reports.jsonl")
    real = _lines(REAL_REPORTS) if REAL_REPORTS.exists() else []
    if not real:
        print(f"({REAL_REPORTS} is not here: the real reports are left out)", file=sys.stderr)
    _setup(args.cases)

    answers = help_answers(questions)
    print(f"help answers ({answers['questions']} questions with a service): "
          f"top-1 {answers['top1']:.3f}, top-3 {answers['top3']:.3f}; "
          f"{answers['unknown']} without one: {answers['declined_unknown']:.3f} answered "
          f"\"I do not know\"; p50 {answers['p50_ms']} ms, p95 {answers['p95_ms']} ms")  # fmt: skip

    scores = triage(reports, real)
    held = scores["held_out"]
    print(f"triage, held-back demo cases: accuracy {held['accuracy']:.3f}, macro-F1 "
          f"{held['macro_f1']:.3f} ({held['cases']} of {held['trained_on']} cases)")  # fmt: skip
    hand = scores["hand_written"]
    print(f"triage, hand-written reports: accuracy {hand['accuracy']:.3f} "
          f"({hand['reports']} reports)")  # fmt: skip
    if scores["real"]:
        print(f"triage, real SeeClickFix reports: accuracy {scores['real']['accuracy']:.3f} "
              f"({scores['real']['reports']} reports)")  # fmt: skip

    for name, rows in (("hand-written", reports), ("real SeeClickFix", real)):
        if rows:
            seen = duplicates(rows)
            print(f"duplicates, seeded towns with {name} texts: precision {seen['precision']}, "
                  f"recall {seen['recall']} ({seen['new_reports']} new reports)")  # fmt: skip


if __name__ == "__main__":
    main()
