"""Fixtures for the help-answer tests: the whole demo catalogue, and the embedding model
loaded once per test session."""

from __future__ import annotations

import functools
import os

import pytest

from publica.accounts.tests.factories import DepartmentFactory, OrganisationFactory
from publica.assistant import embeddings
from publica.catalogue import servicefile
from publica.catalogue.services import service_load
from publica.testing import DEMO_SERVICES, LOADER


@pytest.fixture(scope="session")
def minilm() -> embeddings.MiniLM:
    """The real MiniLM model. CI installs the `assistant` extra, so there it must load; on a
    machine without the extra these tests skip and say why."""
    model = embeddings.encoder()
    if model is None:
        if os.environ.get("CI"):
            pytest.fail("the assistant extra is not installed, and CI must test the model")
        pytest.skip("the assistant extra is not installed: pip install -e '.[assistant]'")
    return model


@functools.cache
def _definitions() -> list[servicefile.ServiceDefinition]:
    return [servicefile.parse_file(path) for path in sorted(DEMO_SERVICES.glob("*.yaml"))]


@pytest.fixture
def catalogue(db: None) -> list[str]:
    """Every demo service loaded, under a council with contact details; their slugs."""
    organisation = OrganisationFactory(
        slug="millbrook",
        name="Millbrook Town Council",
        contact_phone="01632 960 000",
        contact_email="help@millbrook.example",
    )
    slugs = []
    for definition in _definitions():
        DepartmentFactory(slug=definition.data["department"], organisation=organisation)
        service_load(definition=definition, actor=LOADER)
        slugs.append(definition.slug)
    return slugs
