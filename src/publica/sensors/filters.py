"""Translate an STA `$filter` into a Django Q object with odata-query, mapping STA names."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.db.models.fields.json import KT
from odata_query import ast
from odata_query import exceptions as odata_errors
from odata_query.django.django_q import AstToDjangoQVisitor
from odata_query.grammar import ODATA_FUNCTIONS, ODataLexer, ODataParser
from odata_query.visitor import NodeTransformer

from publica.sensors.entities import ENTITY_SETS, EntityType

__all__ = ["FilterError", "apply_filter", "field_path"]

# SensorThings keeps OData 3's substringof(needle, haystack); odata-query knows only v4's
# contains(haystack, needle). Registering the name lets the parser accept it; it is rewritten
# to contains below.
ODATA_FUNCTIONS.setdefault("substringof", 2)


class FilterError(ValueError):
    """The `$filter` cannot be parsed or names something the entity type does not have."""


def field_path(entity: EntityType, names: list[str]) -> str:
    """The Django lookup path for an STA property path such as `Datastream/Thing/name`."""
    return _lookup(entity, names)[0]


def _lookup(entity: EntityType, names: list[str]) -> tuple[str, bool]:
    """(lookup path, whether it ends inside a JSON object such as `properties/owner`)."""
    parts: list[str] = []
    current = entity
    for position, name in enumerate(names):
        navigation = current.navigation(name)
        if navigation is not None:
            parts.append(navigation.accessor)
            current = ENTITY_SETS[navigation.target]
            continue
        if name in ("id", "@iot.id"):
            parts.append("pk")
        elif (prop := current.property(name)) is not None:
            parts.append(prop.field)
            if prop.kind == "object":  # properties/owner: a key inside a JSON object
                parts.extend(names[position + 1 :])
                return "__".join(parts), position < len(names) - 1
        else:
            raise FilterError(f"{current.singular} has no property {name!r}")
        if position != len(names) - 1:
            raise FilterError(f"{name!r} is not a navigation property of {current.singular}")
    if names and current.navigation(names[-1]) is None and names[-1][0].isupper():
        parts.append("pk")  # a path ending on an entity compares its id
    return "__".join(parts), False


class _StaNames(NodeTransformer):  # type: ignore[misc]
    def __init__(self, entity: EntityType) -> None:
        self.entity = entity
        self.json_keys: set[str] = set()  # paths into JSON objects, compared as text

    def _path(self, node: Any) -> list[str]:
        if isinstance(node, ast.Identifier):
            return [*node.namespace, node.name]
        return [*self._path(node.owner), node.attr]

    def visit_Identifier(self, node: ast.Identifier) -> ast.Identifier:
        return self._mapped(self._path(node))

    def visit_Attribute(self, node: ast.Attribute) -> ast.Identifier:
        return self._mapped(self._path(node))

    def _mapped(self, names: list[str]) -> ast.Identifier:
        path, json_key = _lookup(self.entity, names)
        if json_key:
            self.json_keys.add(path)
        return ast.Identifier(path)

    def visit_Call(self, node: ast.Call) -> ast.Call:
        args = [self.visit(arg) for arg in node.args]
        if node.func.name == "substringof":
            return ast.Call(ast.Identifier("contains"), [args[1], args[0]])
        return ast.Call(node.func, args)


class _Visitor(AstToDjangoQVisitor):  # type: ignore[misc]
    def __init__(self, model: type[Model], json_keys: set[str]) -> None:
        super().__init__(model)
        self.json_keys = json_keys

    def visit_Identifier(self, node: ast.Identifier) -> Any:
        # A key inside a JSON object is compared as text (PostgreSQL would want JSON).
        return KT(node.name) if node.name in self.json_keys else F(node.name)


def apply_filter(queryset: QuerySet[Model], entity: EntityType, text: str) -> QuerySet[Model]:
    try:
        tree = ODataParser().parse(ODataLexer().tokenize(text))
        if tree is None:
            raise FilterError(f"$filter: cannot parse {text!r}")
        names = _StaNames(entity)
        tree = names.visit(tree)
        visitor = _Visitor(queryset.model, names.json_keys)
        where: Q = visitor.visit(tree)
    except FilterError as exc:
        raise FilterError(f"$filter: {exc}") from exc
    except (odata_errors.ODataException, NotImplementedError, TypeError, ValueError) as exc:
        raise FilterError(f"$filter: {exc}") from exc
    if visitor.queryset_annotations:
        queryset = queryset.annotate(**visitor.queryset_annotations)
    return queryset.filter(where)
