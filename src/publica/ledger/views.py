"""The ledger over HTTP as C2SP tlog-tiles serves it: the checkpoint, tiles, entry bundles
and the verifier key, plus a tlog-proof for any entry. All read-only and public."""

from __future__ import annotations

import base64
import gzip

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from publica.core.errors import NotFound
from publica.ledger import keys, selectors
from publica.ledger.tiles import parse_path

TEXT = "text/plain; charset=utf-8"
IMMUTABLE = {"public": True, "max_age": 31_536_000, "immutable": True}


def _missing(message: str) -> HttpResponse:
    response = HttpResponse(message + "\n", content_type=TEXT, status=404)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@cache_control(public=True, max_age=2)  # mutable: "SHOULD prevent caching beyond a few seconds"
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.checkpoint_latest()
    if latest is None:
        return _missing("no checkpoint has been signed yet")
    return HttpResponse(latest.note, content_type=TEXT)


@require_safe
@cache_control(public=True, max_age=3600)
def key(request: HttpRequest) -> HttpResponse:
    return HttpResponse(keys.verifier_key() + "\n", content_type=TEXT)


@require_safe
def tile(request: HttpRequest, path: str) -> HttpResponse:
    address = parse_path("tile/" + path)
    if address is None:
        return _missing(f"tile/{path} is not a tile path (c2sp.org/tlog-tiles)")
    if address.level is None:
        data = selectors.entry_bundle(address.number, address.width)
    else:
        data = selectors.tile_hashes(address.level, address.number, address.width)
    if data is None:
        return _missing(f"tile/{path} does not exist (yet)")
    return _immutable(request, data)


@cache_control(**IMMUTABLE)
def _immutable(request: HttpRequest, data: bytes) -> HttpResponse:
    response = HttpResponse(content_type="application/octet-stream")
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        data = gzip.compress(data, mtime=0)
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response.content = data
    return response


@require_safe
@never_cache
def proof(request: HttpRequest, index: int) -> HttpResponse:
    """The entry's inclusion in the latest checkpoint as a c2sp.org/tlog-proof@v1 text."""
    try:
        found = selectors.inclusion(index)
    except NotFound as exc:
        return _missing(str(exc))
    hashes = "".join(base64.b64encode(h).decode() + "\n" for h in found.hashes)
    text = f"c2sp.org/tlog-proof@v1\nindex {index}\n{hashes}\n{found.checkpoint.note}"
    response = HttpResponse(text, content_type=TEXT)
    response["Content-Disposition"] = f'inline; filename="entry-{index}.tlog-proof"'
    return response
