"""The licences a dataset may be published under, by SPDX id: a title and page for people,
and the EU licence vocabulary's term for DCAT-AP."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LICENCES", "Licence", "licence"]

EU = "http://publications.europa.eu/resource/authority/licence/"


@dataclass(frozen=True)
class Licence:
    id: str
    title: str
    url: str
    eu_term: str


LICENCES = {
    item.id: item
    for item in (
        Licence("CC-BY-4.0", "Creative Commons Attribution 4.0",
                "https://creativecommons.org/licenses/by/4.0/", EU + "CC_BY_4_0"),
        Licence("CC-BY-SA-4.0", "Creative Commons Attribution Share-Alike 4.0",
                "https://creativecommons.org/licenses/by-sa/4.0/", EU + "CC_BYSA_4_0"),
        Licence("CC0-1.0", "Creative Commons CCZero",
                "https://creativecommons.org/publicdomain/zero/1.0/", EU + "CC0"),
        Licence("OGL-UK-3.0", "Open Government Licence v3.0",
                "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
                EU + "OGL_3_0"),
        Licence("ODbL-1.0", "Open Data Commons Open Database License 1.0",
                "https://opendatacommons.org/licenses/odbl/1-0/", EU + "ODBL"),
        Licence("dl-de-by-2.0", "Datenlizenz Deutschland Namensnennung 2.0",
                "https://www.govdata.de/dl-de/by-2-0", EU + "DL_DE_BY_2_0"),
        Licence("etalab-2.0", "Licence Ouverte / Open Licence version 2.0",
                "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", EU + "ETALAB_2_0"),
    )
}  # fmt: skip


def licence(spdx_id: str) -> Licence:
    """The licence with this SPDX id; one not in the table keeps its id as its title."""
    return LICENCES.get(spdx_id) or Licence(spdx_id, spdx_id, "", "")
