"""The licences a dataset may be published under, by SPDX id: a title and page for people,
and for DCAT-AP the EU licence vocabulary's code and the ADMS licence types (what the licence
asks of a re-user), and the id CKAN's default licence register gives it, so harvesting CKANs
recognise it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LICENCES", "Licence", "licence"]


@dataclass(frozen=True)
class Licence:
    id: str
    title: str
    url: str
    eu_code: str = ""
    types: tuple[str, ...] = ()
    ckan_id: str = ""


LICENCES = {
    item.id: item
    for item in (
        Licence(
            "CC-BY-4.0",
            "Creative Commons Attribution 4.0 International",
            "https://creativecommons.org/licenses/by/4.0/",
            eu_code="CC_BY_4_0",
            types=("Attribution",),
            ckan_id="cc-by",
        ),
        Licence(
            "CC-BY-SA-4.0",
            "Creative Commons Attribution-ShareAlike 4.0 International",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            eu_code="CC_BYSA_4_0",
            types=("Attribution", "ViralEffect-ShareAlike"),
            ckan_id="cc-by-sa",
        ),
        Licence(
            "CC0-1.0",
            "Creative Commons CC0 1.0 Universal",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            eu_code="CC0",
            types=("PublicDomain",),
            ckan_id="cc-zero",
        ),
        Licence(
            "OGL-UK-3.0",
            "Open Government Licence 3.0",
            "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            eu_code="OGL_3_0",
            types=("Attribution",),
            ckan_id="uk-ogl",
        ),
        Licence(
            "ODC-By-1.0",
            "Open Data Commons Attribution License 1.0",
            "https://opendatacommons.org/licenses/by/1-0/",
            eu_code="ODC_BY",
            types=("Attribution",),
            ckan_id="odc-by",
        ),
        Licence(
            "ODbL-1.0",
            "Open Data Commons Open Database License 1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            eu_code="ODC_BL",
            types=("Attribution", "ViralEffect-ShareAlike"),
            ckan_id="odc-odbl",
        ),
        Licence(
            "PDDL-1.0",
            "Open Data Commons Public Domain Dedication and License 1.0",
            "https://opendatacommons.org/licenses/pddl/1-0/",
            eu_code="ODC_PDDL",
            types=("PublicDomain",),
            ckan_id="odc-pddl",
        ),
    )
}


def licence(spdx_id: str) -> Licence:
    """The licence with this SPDX id; one not in the table keeps its id as its title and
    SPDX's page as its address."""
    return LICENCES.get(spdx_id) or Licence(
        spdx_id, spdx_id, f"https://spdx.org/licenses/{spdx_id}.html"
    )
