"""Run the libcoveocds command with no network: the standard's own schema files, which
libcoveocds otherwise fetches from standard.open-contracting.org while checking a record
package (the versioned release schema), are read from the same `--standard-zip` instead.

    python offline_cove.py --standard-zip <zip> --output-dir <dir> <package.json>

Anything else fetched over HTTP fails at once, so a check never depends on the network.
"""

from __future__ import annotations

import json
import sys
import zipfile
from typing import Any

import jsonref
from libcoveocds.__main__ import main

SCHEMA_HOST = "https://standard.open-contracting.org/schema/"


class _Response:
    def __init__(self, document: Any) -> None:
        self._document = document

    def raise_for_status(self) -> None:
        return None

    def json(self, **kwargs: Any) -> Any:
        return self._document


class _StandardZip:
    """Stands in for `requests` inside jsonref: serves schema files from the zip."""

    def __init__(self, path: str) -> None:
        self.path = path

    def get(self, uri: str, **kwargs: Any) -> _Response:
        uri = uri.replace("http://", "https://", 1)
        if not uri.startswith(SCHEMA_HOST):
            raise OSError(f"no network in tests: refusing to fetch {uri}")
        name = uri.removeprefix(SCHEMA_HOST).split("/", 1)[1]
        with zipfile.ZipFile(self.path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(f"/schema/{name}"))
            return _Response(json.loads(archive.read(member)))


if __name__ == "__main__":
    arguments = sys.argv[1:]
    jsonref.requests = _StandardZip(arguments[arguments.index("--standard-zip") + 1])
    sys.argv = ["libcoveocds", *arguments]
    sys.exit(main())
