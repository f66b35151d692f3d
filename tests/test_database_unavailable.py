"""While its database cannot be reached, a real `publica serve` answers 503 with Retry-After
(clients and load balancers try again), not a 500."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from pathlib import Path

from tests.test_serve import PUBLICA, free_port


def ask(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse | None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response
    except OSError:  # not listening yet
        return None


def test_pages_and_apis_answer_503_with_retry_after_while_the_database_is_unreachable(
    tmp_path: Path,
) -> None:
    nowhere = free_port()  # nothing listens there: every connection is refused
    env = {**os.environ, "PUBLICA_DATA_DIR": str(tmp_path), "PUBLICA_SERVE_WORKERS": "1",
           "PUBLICA_SERVE_WORKER": "false", "PUBLICA_ASSISTANT_WARM_UP": "false",
           "DATABASE_URL": f"postgres://postgres@127.0.0.1:{nowhere}/publica"}  # fmt: skip
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [PUBLICA, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            answers = {}
            for path, headers in (
                ("/services/pothole/", {}),
                ("/api/v1/cases", {"Authorization": "Bearer pub_abcdefgh_secret"}),
                ("/open311/v2/requests.json", {}),
            ):
                for _ in range(150):
                    if (response := ask(port, path, headers)) is not None:
                        break
                    time.sleep(0.2)
                assert response is not None
                answers[path] = response
        finally:
            server.terminate()
            server.wait(timeout=30)

    for path, response in answers.items():
        assert (path, response.status) == (path, 503)
        assert response.getheader("Retry-After") == "5"
    assert "json" in answers["/api/v1/cases"].getheader("Content-Type", "")
