"""Service files: whatever the text, `parse` returns a definition or InvalidInput."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from publica.catalogue import servicefile
from publica.core.errors import InvalidInput
from tests.fuzz.strategies import fuzz, garbage, mutated

SERVICES = Path(servicefile.__file__).parents[1] / "demo" / "services"
SEEDS = [path.read_text() for path in sorted(SERVICES.glob("*.yaml"))]
YAML_BITS = [
    "&a ", "*a", "<<: *a\n", "!!python/object:os.system ", "!!binary ", "? ", "- ", ": ", "|\n",
    ">-\n", "{", "}", "[", "]", "---\n", "...\n", "%YAML 1.1\n", "!!float ", "~", "0x1F", "1e5",
    "when: '", "state == ", "{{ reference }}", "{{", "}}", "${", "prefill:\n  from: ",
]  # fmt: skip


def parses_or_refuses(text: str) -> None:
    try:
        definition = servicefile.parse(text, source="fuzz.yaml")
    except InvalidInput as refused:
        assert refused.errors, "InvalidInput names at least one problem"
        assert all(error.message for error in refused.errors)
    else:
        assert definition.slug and len(definition.checksum) == 64


def test_every_demo_service_file_parses() -> None:
    for text in SEEDS:
        parses_or_refuses(text)
        servicefile.parse(text)


def test_a_notification_with_a_lone_brace_is_refused_naming_it() -> None:
    pothole = (SERVICES / "pothole.yaml").read_text()
    broken = pothole.replace("report {reference} has", "report reference} has")

    with pytest.raises(InvalidInput) as refused:
        servicefile.parse(broken)  # was ValueError: Single '}' encountered in format string

    assert [error.field for error in refused.value.errors] == ["notifications.submitted"]


@fuzz(share=0.3)
@given(text=mutated(SEEDS, fragments=YAML_BITS))
def test_a_mutated_service_file_parses_or_is_refused_with_field_errors(text: str) -> None:
    parses_or_refuses(text)


@fuzz(share=0.3)
@example(text="\x00")  # ruamel's ReaderError was not caught
@example(text="opened: 2026-13-45")  # nor the ValueError of an impossible date
@example(text="limit: !!float many")
@example(text='limit: !!float ""')  # nor IndexError
@example(text="[" * 900)  # nor RecursionError (5,000 take ruamel 15 s)
@given(text=st.one_of(garbage(), st.lists(st.sampled_from(YAML_BITS)).map("".join)))
def test_garbage_is_refused_with_field_errors(text: str) -> None:
    parses_or_refuses(text)


@fuzz(share=0.2)
@given(data=st.binary(max_size=300))
def test_a_file_of_any_bytes_is_read_or_refused(tmp_path_factory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("services") / "service.yaml"
    path.write_bytes(data)
    with contextlib.suppress(InvalidInput):
        servicefile.parse_file(path)
