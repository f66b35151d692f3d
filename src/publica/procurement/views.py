"""Public procurement pages and the OCDS 1.1 downloads at /opendata/ocds/: release packages and
record packages (all, or one process by ocid), and the human list and process pages.

Thin: parse the query, call a selector, let `ocds` build the document, render. Everything here
is public and read-only; errors are JSON problem details, as the REST API's are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from publica.accounts.selectors import organisation_get
from publica.api.problems import problem
from publica.core import clock
from publica.core.errors import NotFound
from publica.opendata.licences import licence
from publica.procurement import ocds, selectors
from publica.procurement.models import ContractingProcess, Release

#: Releases (or records) on one page of a package, unless `limit` asks for fewer or more.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


# Human pages


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every contracting process, the newest first: its tender, buyer, value and supplier."""
    processes = selectors.process_list().order_by("-created_at", "-pk")
    page = Paginator(processes, 50).get_page(request.GET.get("page"))
    rows = [_summary(process) for process in page]
    return render(
        request,
        "procurement/index.html",
        {
            "page": page,
            "rows": rows,
            "prefix": _prefix(),
            "licence": licence(settings.PUBLICA_OPENDATA_LICENCE),
        },
    )


@require_GET
def process_page(request: HttpRequest, ocid: str) -> HttpResponse:
    try:
        process = selectors.process_get(ocid=ocid)
    except NotFound:
        return render(
            request,
            "portal/message.html",
            {"heading": "Contracting process not found", "text": f"No process has ocid {ocid}."},
            status=404,
        )
    return render(
        request,
        "procurement/process.html",
        {
            "process": process,
            "tender": process.tender,
            "awards": list(process.awards.all()),
            "contracts": list(process.contracts.all()),
            "releases": list(selectors.releases_for(process)),
        },
    )


# OCDS downloads


@require_GET
def release_package(request: HttpRequest) -> HttpResponse:
    """Every release, oldest first, a page at a time (`links.next`); `since` keeps those
    published at or after a moment (ISO 8601 with a time zone)."""
    size = _size(request)
    if size is None:
        return problem(request, 400, f"limit: give a whole number from 1 to {MAX_PAGE_SIZE}")
    try:
        since = _since(request)
    except ValueError:
        detail = "since: give a date and time with a time zone, like 2026-01-31T00:00:00Z"
        return problem(request, 400, detail)
    page = selectors.release_page(since=since, after=request.GET.get("after", ""), size=size)
    next_url = ""
    if page.after:
        query = {**request.GET.dict(), "after": page.after}
        next_url = _absolute(f"{request.path}?{urlencode(query)}")
    package = ocds.release_package(
        [release.data for release in page.releases],
        metadata=_metadata(request),
        next_url=next_url,
    )
    return _json(package)


@require_GET
def process_release_package(request: HttpRequest, ocid: str) -> HttpResponse:
    """Every release of one process, oldest first."""
    try:
        process = selectors.process_get(ocid=ocid)
    except NotFound as exc:
        return problem(request, 404, str(exc))
    releases = [release.data for release in selectors.releases_for(process)]
    return _json(ocds.release_package(releases, metadata=_metadata(request)))


@require_GET
def record_package(request: HttpRequest) -> HttpResponse:
    """One record per process, oldest first, a page at a time: its releases linked (by the
    URL of its release package) and its compiled release."""
    size = _size(request)
    if size is None:
        return problem(request, 400, f"limit: give a whole number from 1 to {MAX_PAGE_SIZE}")
    processes = selectors.process_list().prefetch_related("releases").order_by("pk")
    after = request.GET.get("after", "")
    if after.isdecimal():
        processes = processes.filter(pk__gt=int(after))
    found = list(processes[: size + 1])
    next_url = ""
    if len(found) > size:
        found = found[:size]
        query = {**request.GET.dict(), "after": str(found[-1].pk)}
        next_url = _absolute(f"{request.path}?{urlencode(query)}")
    records = [_record(process, embedded=False) for process in found]
    packages = [_absolute(reverse("procurement:releases"))]
    return _json(
        ocds.record_package(
            records, metadata=_metadata(request), packages=packages, next_url=next_url
        )
    )


@require_GET
def process_record_package(request: HttpRequest, ocid: str) -> HttpResponse:
    """One process's record, its releases embedded in full."""
    try:
        process = selectors.process_get(ocid=ocid)
    except NotFound as exc:
        return problem(request, 404, str(exc))
    package_url = _absolute(reverse("procurement:process-releases", kwargs={"ocid": ocid}))
    return _json(
        ocds.record_package(
            [_record(process, embedded=True)], metadata=_metadata(request), packages=[package_url]
        )
    )


# Helpers


def _summary(process: ContractingProcess) -> dict[str, Any]:
    """A process for the list: its tender, and its latest award and contract if any."""
    awards, contracts = list(process.awards.all()), list(process.contracts.all())
    return {
        "process": process,
        "tender": process.tender,
        "award": awards[-1] if awards else None,
        "contract": contracts[-1] if contracts else None,
    }


def _record(process: ContractingProcess, *, embedded: bool) -> dict[str, Any]:
    releases: list[Release] = sorted(process.releases.all(), key=lambda r: (r.date, r.pk))
    url = _absolute(reverse("procurement:process-releases", kwargs={"ocid": process.ocid}))
    listed = [
        release.data
        if embedded
        else ocds.linked_release(url=url, date=release.date, tags=release.tags)
        for release in releases
    ]
    latest = releases[-1].date if releases else process.updated_at
    compiled = ocds.compiled_release(selectors.process_facts(process), date=latest)
    return ocds.record(ocid=process.ocid, releases=listed, compiled=compiled)


def _metadata(request: HttpRequest) -> ocds.PackageMetadata:
    organisation = organisation_get()
    return ocds.PackageMetadata(
        uri=_absolute(request.get_full_path()),
        published=clock.now(),
        publisher=organisation.name if organisation else "Publica",
        license=_licence_url(),
        publication_policy=_absolute(reverse("procurement:index") + "#publication-policy"),
    )


def _json(document: dict[str, Any]) -> JsonResponse:
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def _absolute(path: str) -> str:
    return f"{settings.PUBLICA_SITE_URL.rstrip('/')}{path}"


def _licence_url() -> str:
    return licence(settings.PUBLICA_OPENDATA_LICENCE).url


def _prefix() -> str:
    from publica.procurement.services import ocid_prefix

    return ocid_prefix()


def _since(request: HttpRequest) -> dt.datetime | None:
    """The `since` moment, or None when not given; ValueError when it cannot be read."""
    typed = request.GET.get("since", "").strip()
    if not typed:
        return None
    moment = dt.datetime.fromisoformat(typed.replace(" ", "+"))  # a `+` in a query is a space
    if moment.tzinfo is None:
        raise ValueError("no time zone")
    return moment


def _size(request: HttpRequest) -> int | None:
    typed = request.GET.get("limit", "")
    if not typed:
        return PAGE_SIZE
    return int(typed) if typed.isdecimal() and 1 <= int(typed) <= MAX_PAGE_SIZE else None
