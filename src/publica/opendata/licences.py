"""The licences a dataset may be published under, by SPDX id: a title and page for people,
and for DCAT-AP the EU licence vocabulary's code and the ADMS licence types (what the licence
asks of a re-user)."""

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


LICENCES = {
    item.id: item
    for item in (
        Licence("CC-BY-4.0", "Creative Commons Attribution 4.0 International",
                "https://creativecommons.org/licenses/by/4.0/", "CC_BY_4_0", ("Attribution",)),
        Licence("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International",
                "https://creativecommons.org/licenses/by-sa/4.0/", "CC_BYSA_4_0",
                ("Attribution", "ViralEffect-ShareAlike")),
        Licence("CC0-1.0", "Creative Commons CC0 1.0 Universal",
                "https://creativecommons.org/publicdomain/zero/1.0/", "CC0", ("PublicDomain",)),
        Licence("OGL-UK-3.0", "Open Government Licence 3.0",
                "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                "OGL_3_0", ("Attribution",)),
        Licence("ODC-By-1.0", "Open Data Commons Attribution License 1.0",
                "https://opendatacommons.org/licenses/by/1-0/", "ODC_BY", ("Attribution",)),
        Licence("ODbL-1.0", "Open Data Commons Open Database License 1.0",
                "https://opendatacommons.org/licenses/odbl/1-0/", "ODC_BL",
                ("Attribution", "ViralEffect-ShareAlike")),
        Licence("PDDL-1.0", "Open Data Commons Public Domain Dedication and License 1.0",
                "https://opendatacommons.org/licenses/pddl/1-0/", "ODC_PDDL", ("PublicDomain",)),
    )
}  # fmt: skip


def licence(spdx_id: str) -> Licence:
    """The licence with this SPDX id; one not in the table keeps its id as its title and
    SPDX's page as its address."""
    return LICENCES.get(spdx_id) or Licence(
        spdx_id, spdx_id, f"https://spdx.org/licenses/{spdx_id}.html"
    )
