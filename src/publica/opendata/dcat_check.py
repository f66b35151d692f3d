"""Checks a DCAT graph against the official DCAT-AP 3.0.1 SHACL shapes (for CI and tests).

The release splits its shapes into files; this module runs them as the release describes:

- `shapes.ttl` (cardinalities and node kinds), `range.ttl` (the class of each value) and
  `mdr-vocabularies.shape.ttl` (values from the EU vocabularies) must hold: any result of
  severity Violation means the graph does not conform. Their Warnings (a publisher that is
  not an EU corporate body, say) are reported but do not fail.
- `shapes_recommended.ttl` (recommended properties) and `deprecateduris.ttl` (terms from
  DCAT-AP 1.x) only advise: what they flag is summarised.

`imports.ttl` only lists the ontologies the shapes build on, by URL; loading them would
fetch ten documents over the network on every run. The graphs Publica builds state the
classes of the nodes they refer to instead (see `dcat`), so validation runs offline and
without inference.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.term import Node

from publica.opendata.dcat import DCAT, DCT, FOAF, PREFIXES, SKOS, VCARD

__all__ = ["DEFAULT_SHAPES_DIR", "Finding", "Result", "check", "main"]

SH = Namespace("http://www.w3.org/ns/shacl#")

#: Where the repository's checkout of the shapes is: `<repository>/../shared/data/…`.
DEFAULT_SHAPES_DIR = Path(__file__).resolve().parents[3].parent / (
    "shared/data/dcat-ap-3.0.1-shacl"
)
MANDATORY = ("shapes.ttl", "range.ttl", "mdr-vocabularies.shape.ttl")
ADVISORY = ("shapes_recommended.ttl", "deprecateduris.ttl")

# The class a finding is reported under: the first of these its focus node has.
CLASSES = (
    (DCAT.Catalog, "Catalog"),
    (DCAT.Dataset, "Dataset"),
    (DCAT.DataService, "DataService"),
    (DCAT.Distribution, "Distribution"),
    (FOAF.Agent, "Agent"),
    (VCARD.Kind, "ContactPoint"),
    (DCT.Location, "Location"),
    (DCT.PeriodOfTime, "PeriodOfTime"),
    (DCT.LicenseDocument, "LicenseDocument"),
    (SKOS.Concept, "Concept"),
    (SKOS.ConceptScheme, "ConceptScheme"),
)

# What each SHACL constraint means for the value at the path, in words.
CONSTRAINTS = {
    "MinCount": "missing",
    "MaxCount": "more than allowed",
    "Class": "value is not of the expected class",
    "NodeKind": "value is the wrong kind of node",
    "Node": "value is not from the expected vocabulary",
    "Datatype": "value has the wrong datatype",
    "Or": "value matches none of the alternatives",
    "Pattern": "value does not match the expected pattern",
    "HasValue": "expected value is absent",
}


@dataclass(frozen=True)
class Finding:
    """One SHACL result: the severity, the class of the node it is about, the property
    path, what is wrong, and the node itself."""

    severity: str
    subject_class: str
    path: str
    problem: str
    focus: str


@dataclass(frozen=True)
class Result:
    """`conforms` when the mandatory shapes find no Violation. `violations` and `warnings`
    come from the mandatory shapes, `advice` from the recommended and deprecation ones;
    `report` is pyshacl's own text of the mandatory run."""

    conforms: bool
    violations: tuple[Finding, ...]
    warnings: tuple[Finding, ...]
    advice: tuple[Finding, ...]
    report: str

    def summary(self) -> str:
        """Counts per class, path and problem: what to read in CI's log."""
        verdict = "conforms" if self.conforms else "does NOT conform"
        lines = [f"DCAT-AP 3.0.1 mandatory shapes ({', '.join(MANDATORY)}): {verdict}"]
        sections = (
            ("Violations", self.violations),
            ("Warnings of the mandatory shapes", self.warnings),
            (f"Still flagged by {', '.join(ADVISORY)}", self.advice),
        )
        for title, findings in sections:
            lines.append(f"{title}: {len(findings)}")
            lines.extend(_grouped(findings))
        return "\n".join(lines)


def check(graph: Graph, shapes_dir: Path = DEFAULT_SHAPES_DIR) -> Result:
    """Validate `graph`; raises FileNotFoundError when a shapes file is missing."""
    conforms, results, report = _run(graph, _shapes(shapes_dir, MANDATORY))
    findings = _findings(results, graph)
    _, advisory_results, _ = _run(graph, _shapes(shapes_dir, ADVISORY))
    return Result(
        conforms=conforms,
        violations=tuple(item for item in findings if item.severity == "Violation"),
        warnings=tuple(item for item in findings if item.severity != "Violation"),
        advice=_findings(advisory_results, graph),
        report=report,
    )


def main(graph: Graph, shapes_dir: Path = DEFAULT_SHAPES_DIR) -> int:
    """Print the summary (and pyshacl's report when it fails); 0 when the graph conforms."""
    result = check(graph, shapes_dir)
    print(result.summary())
    if not result.conforms:
        print(result.report)
        return 1
    return 0


def _shapes(shapes_dir: Path, names: tuple[str, ...]) -> Graph:
    shapes = Graph()
    for name in names:
        path = shapes_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"DCAT-AP shapes file not found: {path}")
        shapes.parse(path, format="turtle")
    return shapes


def _run(graph: Graph, shapes: Graph) -> tuple[bool, Graph, str]:
    # allow_warnings: only Violations decide conformance, as the release intends;
    # inference off, since the graph states its classes itself (see the module docstring).
    conforms, results, report = validate(
        graph, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    return bool(conforms), results, str(report)


def _findings(results: Graph, data: Graph) -> tuple[Finding, ...]:
    # Only the report's own results: those nested under sh:detail explain a sh:node or
    # sh:or failure and carry their own severity, which does not count.
    found: list[Finding] = []
    for report in results.subjects(RDF.type, SH.ValidationReport):
        found.extend(
            _finding(results, result, data) for result in results.objects(report, SH.result)
        )
    return tuple(sorted(found, key=lambda item: (item.subject_class, item.path, item.focus)))


def _finding(results: Graph, result: Node, data: Graph) -> Finding:
    focus = results.value(result, SH.focusNode)
    component = results.value(result, SH.sourceConstraintComponent)
    name = _local(component).removesuffix("ConstraintComponent")
    return Finding(
        severity=_local(results.value(result, SH.resultSeverity)),
        subject_class=_class_of(data, focus),
        path=_compact(results.value(result, SH.resultPath)),
        problem=CONSTRAINTS.get(name, name),
        focus=str(focus),
    )


def _grouped(findings: tuple[Finding, ...]) -> list[str]:
    counts = Counter((item.subject_class, item.path, item.problem) for item in findings)
    return [
        f"  {count:4d}  {subject} {path}: {problem}"
        for (subject, path, problem), count in sorted(counts.items())
    ]


def _class_of(data: Graph, focus: Node | None) -> str:
    if focus is None:
        return "?"
    types = set(data.objects(focus, RDF.type))
    return next((name for iri, name in CLASSES if iri in types), "Resource")


def _compact(path: Node | None) -> str:
    if not isinstance(path, URIRef):
        return "(complex path)" if path is not None else "(node)"
    for prefix, namespace in PREFIXES.items():
        if path.startswith(str(namespace)):
            return f"{prefix}:{path[len(str(namespace)) :]}"
    return f"<{path}>"


def _local(term: Node | None) -> str:
    text = str(term or "")
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
