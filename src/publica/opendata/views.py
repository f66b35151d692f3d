"""The public open-data pages: the list of datasets, each dataset's page, its downloads."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from publica.core.errors import NotFound
from publica.opendata import downloads, selectors
from publica.opendata.licences import licence
from publica.opendata.selectors import Published

PREVIEW_ROWS = 20


def _published(name: str) -> Published:
    try:
        return selectors.published_get(name)
    except NotFound as missing:
        raise Http404(str(missing)) from missing


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "opendata/index.html", {"datasets": selectors.published_list()})


@require_safe
def dataset(request: HttpRequest, name: str) -> HttpResponse:
    published = _published(name)
    figures = selectors.chart_figures(published)
    names = ["_id", *(column.name for column in published.table.columns)]
    context = {
        "published": published,
        "licence": licence(published.dataset.licence),
        "columns": published.table.columns,
        "names": names,
        "preview_rows": [
            [row[name] for name in names] for row in published.table.values()[:PREVIEW_ROWS]
        ],
        "chart": mark_safe(selectors.chart_svg(published, figures)),
        "figures": figures,
        "resources": published.resources(),
    }
    return render(request, "opendata/dataset.html", context)


@require_safe
def download(request: HttpRequest, name: str, extension: str) -> HttpResponseBase:
    published = _published(name)
    filename = f"{published.name}.{extension}"
    if extension == "csv":
        response: HttpResponseBase = StreamingHttpResponse(
            downloads.csv_chunks(published.table), content_type="text/csv; charset=utf-8"
        )
    elif extension == "json":
        response = StreamingHttpResponse(
            downloads.json_chunks(published.table), content_type="application/json"
        )
    elif extension == "parquet":
        response = FileResponse(
            downloads.parquet_file(published.table),
            content_type=published.resource("parquet").media_type,
        )
    else:
        raise Http404(f"no {extension!r} download; there are csv, json and parquet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    if published.dataset.built_at is not None:
        response["Last-Modified"] = published.dataset.built_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
