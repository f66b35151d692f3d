"""Validate an OCDS package against the OCDS 1.1 schema with libcoveocds, offline.

libcoveocds exits 0 whatever it finds, so the verdict is read from its results.json. The
schema comes from the standard's zip in `<repo>/../shared/data/ocds/`; without it the tests
skip, except on CI (the CI variable set), where a missing zip is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPOSITORY = Path(__file__).resolve().parents[4]
STANDARD_ZIP = REPOSITORY.parent / "shared" / "data" / "ocds" / "ocds-standard-1__1__5-schema.zip"
#: libcoveocds's own command, run so it reads the record package's versioned-release schema
#: from the zip rather than the network (see offline_cove.py).
OFFLINE_COVE = Path(__file__).with_name("offline_cove.py")


def standard_zip() -> Path:
    if STANDARD_ZIP.exists():
        return STANDARD_ZIP
    if "CI" not in os.environ:
        pytest.skip(f"the OCDS 1.1 schema zip is not at {STANDARD_ZIP}")
    pytest.fail(f"CI is set but the OCDS 1.1 schema zip is missing at {STANDARD_ZIP}")


def cove(package: dict[str, Any], directory: Path) -> dict[str, Any]:
    """libcoveocds's results.json for `package`."""
    zip_path = standard_zip()
    source, output = directory / "package.json", directory / "cove"
    source.write_text(json.dumps(package), encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, str(OFFLINE_COVE), "--standard-zip", str(zip_path),
         "--output-dir", str(output), "--delete", str(source)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    results = output / "results.json"
    assert results.exists(), (
        f"libcoveocds wrote no results:\n{completed.stdout}\n{completed.stderr}"
    )
    return json.loads(results.read_text(encoding="utf-8"))


def problems(results: dict[str, Any]) -> list[Any]:
    """Schema errors, and values outside a closed codelist (which the schema may not catch)."""
    found: list[Any] = list(results.get("validation_errors") or [])
    found += [
        {"closed codelist": path, **detail}
        for path, detail in (results.get("additional_closed_codelist_values") or {}).items()
    ]
    return found


def assert_valid(package: dict[str, Any], directory: Path) -> dict[str, Any]:
    results = cove(package, directory)
    found = problems(results)
    assert not found, "OCDS validation errors:\n" + json.dumps(found, indent=2)
    return results
