"""What residents may upload: real documents and photos pass; disguises and bombs do not."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publica.cases import uploads
from publica.cases.tests import uploadfiles as files
from publica.core.errors import InvalidInput

LIMIT = 10 * 1024 * 1024
GOVUK_PNG = (
    Path(uploads.__file__).parents[1]
    / "portal/static/publica/govuk/assets/images/govuk-opengraph-image.png"
)


def check(data: bytes, field: str = "photo") -> uploads.Checked:
    return uploads.check(io.BytesIO(data), size=len(data), max_bytes=LIMIT, field=field)


def refusal(data: bytes) -> str:
    with pytest.raises(InvalidInput) as caught:
        check(data)
    [error] = caught.value.errors
    assert error.field == "photo"
    return error.message


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (files.PDF, "application/pdf"),
        (files.png(), "image/png"),
        (files.jpeg(4000, 3000), "image/jpeg"),
        (files.webp(1920, 1080), "image/webp"),
        (files.heic(4032, 3024), "image/heic"),
        (GOVUK_PNG.read_bytes(), "image/png"),
        (files.png(16_320, 12_240), "image/png"),  # a 200-megapixel phone's photo
    ],
)
def test_documents_and_photos_are_accepted_by_their_content(data: bytes, content_type: str) -> None:
    assert check(data).content_type == content_type


def test_the_stream_is_left_where_it_was() -> None:
    stream = io.BytesIO(files.png())

    uploads.check(stream, size=len(stream.getvalue()), max_bytes=LIMIT)

    assert stream.tell() == 0


@pytest.mark.parametrize("program", [files.PE, files.ELF, files.MACH_O])
def test_a_program_named_like_a_photo_is_refused_as_a_program(program: bytes) -> None:
    assert "not a program" in refusal(program)


def test_a_script_is_refused_as_a_script() -> None:
    assert "not a script" in refusal(files.SCRIPT)


@pytest.mark.parametrize("svg", [files.SVG, files.SVG_WITH_XML])
def test_an_svg_is_refused_outright(svg: bytes) -> None:
    assert "SVG pictures can carry scripts" in refusal(svg)


def test_a_web_page_disguised_as_a_photo_is_refused() -> None:
    assert "PDF, JPG, PNG" in refusal(files.HTML)


def test_a_zip_is_refused_as_an_archive() -> None:
    assert "not an archive" in refusal(files.zip_of("letter.pdf", files.PDF))


def test_a_zip_bomb_is_refused_without_being_opened() -> None:
    bomb = files.zip_of("zeros.bin", bytes(50 * 1024 * 1024))
    assert len(bomb) < 100_000

    assert "not an archive" in refusal(bomb)


@pytest.mark.parametrize(
    "picture",
    [
        files.png(50_000, 50_000),
        files.jpeg(50_000, 50_000),
        files.webp(16_383, 16_383),  # 268 megapixels, the most WEBP can say
        files.heic(50_000, 50_000),
        files.png(30_001, 10),
        files.png(20_000, 20_000),
    ],
)
def test_a_picture_far_too_large_to_open_is_refused_from_its_header(picture: bytes) -> None:
    assert len(picture) < 1000
    assert "pixels" in refusal(picture)


def test_a_png_decompression_bomb_is_refused_before_it_is_decoded() -> None:
    # A real bomb: IDAT inflating to 2.5 GB, a few kilobytes on disk.
    assert "pixels" in refusal(files.png(50_000, 50_000))


@pytest.mark.parametrize(
    "polyglot",
    [
        files.png(after=files.zip_of("evil.exe", files.PE)),
        files.png(after=files.HTML),
        files.png(text=b"<script>alert(1)</script>"),
        files.jpeg(comment=b"<html><body>hello</body></html>"),
        files.jpeg(comment=b"<script>fetch('/x')</script>"),
        files.webp(after=b"<script>alert(1)</script>"),
        files.PDF + files.HTML,
        files.PDF[:-6] + b"<< /S /JavaScript /JS (app.alert(1)) >>\n%%EOF\n",
        files.PDF[:-6] + b"<< /S /Launch /F (calc.exe) >>\n%%EOF\n",
        files.PDF + files.zip_of("evil.exe", files.PE),
    ],
)
def test_a_polyglot_is_refused(polyglot: bytes) -> None:
    assert "as well as" in refusal(polyglot) or "after the picture" in refusal(polyglot)


@pytest.mark.parametrize(
    "damaged",
    [
        files.png()[:40],
        files.png()[:8] + b"\x00\x00\x00\x0dJUNK" + files.png()[16:],
        files.jpeg()[:20],
        files.webp()[:20],
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xd9",
        files.heic()[:30],
    ],
)
def test_a_damaged_file_is_refused_as_damaged(damaged: bytes) -> None:
    message = refusal(damaged)
    assert "damaged" in message or "must be a PDF" in message


def test_an_empty_or_oversized_file_is_refused_before_it_is_read() -> None:
    assert "empty" in refusal(b"")
    with pytest.raises(InvalidInput, match="smaller than 10 MB"):
        uploads.check(io.BytesIO(b""), size=LIMIT + 1, max_bytes=LIMIT)


EXAMPLES = int(os.environ.get("PUBLICA_FUZZ_EXAMPLES", "200"))
SEEDS = [
    files.PDF,
    files.png(),
    files.jpeg(),
    files.webp(),
    files.heic(),
    files.png(50_000, 50_000),
    files.zip_of("a", b"b"),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at : at + draw(st.integers(1, 16))]
        else:
            data[at:at] = draw(st.binary(max_size=16))
    return bytes(data)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.one_of(mutated(), st.binary(max_size=512)))
def test_any_bytes_are_accepted_as_a_known_type_or_refused_with_a_field_error(data: bytes) -> None:
    try:
        checked = check(data)
    except InvalidInput as refused:
        assert [error.field for error in refused.errors] == ["photo"]
    else:
        assert checked.content_type in uploads.ALLOWED
