"""The API reference page's content, read from the OpenAPI schema drf-spectacular generates: the same
schema `/api/v1/schema/` serves, turned into sections (one per tag), operations, parameter and field rows.

The schema is static for a deploy, so it is generated once per process. Generating it reads the filter sets'
form fields, which django-filter caches on the class-level filters; those caches are dropped again here, so
that opening the reference never changes what a list page offers (see competency.filters.FrameworkFilter).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from http import HTTPStatus

import django_filters
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from drf_spectacular.generators import SchemaGenerator

#: Tags in the order an integrator meets them (reference data, people, then what Proficio records about
#: them); a tag the schema adds later is listed after these.
TAG_ORDER = ("frameworks", "versions", "org-units", "role-profiles", "people", "cycles", "analyses", "plans", "packs")
METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_REF = "#/components/schemas/"
_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Row:
    """A parameter of an operation or a field of a body: what a row of its table says."""

    name: str
    type: SafeString
    required: bool
    description: SafeString
    located: str = ""  # a parameter's `in` (path, query, header)


@dataclass(frozen=True)
class Shape:
    """A named object of the schema's components (a body or an answer), with its fields."""

    name: str
    description: SafeString
    fields: tuple[Row, ...]
    values: tuple[str, ...] = ()  # an enumeration's values

    @property
    def anchor(self) -> str:
        return f"shape-{self.name}"


@dataclass(frozen=True)
class Response:
    status: str
    description: SafeString
    content: SafeString


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    description: SafeString
    parameters: tuple[Row, ...]
    body: SafeString | None  # the body's type, with whether it is required
    body_shapes: tuple[Shape, ...]  # the body's fields, and those of the objects it holds
    responses: tuple[Response, ...]

    @property
    def anchor(self) -> str:
        return f"op-{self.operation_id}"


@dataclass(frozen=True)
class Section:
    tag: str
    title: str
    operations: tuple[Operation, ...] = field(default=())

    @property
    def anchor(self) -> str:
        return f"tag-{self.tag}"


@dataclass(frozen=True)
class Reference:
    title: str
    version: str
    description: SafeString
    sections: tuple[Section, ...]
    shapes: tuple[Shape, ...]
    security: SafeString

    def operations(self) -> list[Operation]:
        return [operation for section in self.sections for operation in section.operations]


def prose(text: str | None) -> SafeString:
    """A schema description as HTML: paragraphs at blank lines, `* ` lines as a list, `code` as <code>;
    everything else escaped (descriptions come from docstrings and help texts, never from users)."""
    blocks = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("* ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            blocks.append(f'<ul class="mb-1">{items}</ul>')
        else:
            blocks.append(f'<p class="mb-1">{_inline(" ".join(lines))}</p>')
    return mark_safe("".join(blocks))


def _inline(text: str) -> str:
    return _CODE.sub(r"<code>\1</code>", escape(text))


def _ref_name(schema: dict) -> str | None:
    ref = schema.get("$ref", "")
    return ref[len(_REF):] if ref.startswith(_REF) else None


def type_of(schema: dict | None) -> SafeString:
    """A schema's type in words: `string (date)`, `array of <a>Person</a>`, `one of a, b`, nullable or read only."""
    schema = schema or {}
    if "allOf" in schema and len(schema["allOf"]) == 1:  # drf-spectacular wraps a $ref to mark it nullable
        inner = dict(schema["allOf"][0], **{k: v for k, v in schema.items() if k != "allOf"})
        return type_of(inner)
    name = _ref_name(schema)
    if name:
        text = format_html('<a href="#shape-{}">{}</a>', name, name)
    elif schema.get("type") == "array":
        text = format_html("array of {}", type_of(schema.get("items")))
    elif "enum" in schema:
        text = format_html("{}: {}", schema.get("type", "value"),
                           format_html_join(", ", "<code>{}</code>", ((value,) for value in schema["enum"] if value)))
    elif schema.get("type") == "object" or "additionalProperties" in schema:
        text = mark_safe("object")
    else:
        text = format_html("{}", schema.get("type", "any"))
        if schema.get("format"):
            text = format_html("{} ({})", text, schema["format"])
    notes = [note for key, note in (("nullable", "or null"), ("readOnly", "read only")) if schema.get(key)]
    if schema.get("maxLength"):
        notes.append(f"up to {schema['maxLength']} characters")
    if "default" in schema and schema["default"] not in ("", None):
        notes.append(f"default {schema['default']}")
    return format_html("{}{}", text, f", {', '.join(notes)}" if notes else "")


def _shape(name: str, schema: dict) -> Shape:
    required = set(schema.get("required", ()))
    fields = tuple(Row(name=key, type=type_of(value), required=key in required,
                       description=prose(value.get("description") if "enum" not in value else ""))
                   for key, value in schema.get("properties", {}).items())
    description = schema.get("description", "")
    values = tuple(str(value) for value in schema.get("enum", ()))
    return Shape(name=name, description=prose(description), fields=fields, values=values)


def _held_shapes(schema: dict, components: dict, seen: set[str]) -> list[str]:
    """The named objects a body is or holds (its fields' objects and arrays of objects), each once."""
    names = []
    for candidate in [schema, *schema.get("properties", {}).values()]:
        candidate = candidate.get("items", candidate) if candidate.get("type") == "array" else candidate
        name = _ref_name(candidate)
        if name and name not in seen and components.get(name, {}).get("properties"):
            seen.add(name)
            names.append(name)
            names += _held_shapes(components[name], components, seen)
    return names


def _content(response: dict) -> SafeString:
    content = response.get("content") or {}
    if not content:
        return mark_safe("no body")
    return format_html_join("; ", "<code>{}</code>: {}",
                            ((media, type_of(body.get("schema"))) for media, body in content.items()))


def _operation(method: str, path: str, operation: dict, shapes: dict[str, Shape], components: dict) -> Operation:
    parameters = tuple(sorted(
        (Row(name=p["name"], located=p["in"], type=type_of(p.get("schema")), required=bool(p.get("required")),
             description=prose(p.get("description")))
         for p in operation.get("parameters", ())),
        key=lambda row: (row.located != "path", row.name)))
    body, body_shapes = None, ()
    request_body = operation.get("requestBody")
    if request_body:
        media, content = next(iter(request_body.get("content", {}).items()))
        body = format_html("<code>{}</code>, {}: {}", media, "required" if request_body.get("required") else "optional",
                           type_of(content.get("schema")))
        body_shapes = tuple(shapes[name] for name in _held_shapes(content.get("schema", {}), components, set()))
    responses = tuple(
        Response(status=status, content=_content(response),
                 description=mark_safe(_inline(response.get("description") or HTTPStatus(int(status)).phrase)))
        for status, response in sorted(operation.get("responses", {}).items()))
    return Operation(method=method.upper(), path=path, operation_id=operation["operationId"],
                     description=prose(operation.get("summary", "") + "\n\n" + operation.get("description", "")),
                     parameters=parameters, body=body, body_shapes=body_shapes, responses=responses)


def build_reference(schema: dict) -> Reference:
    components = schema.get("components", {}).get("schemas", {})
    shapes = {name: _shape(name, component) for name, component in sorted(components.items())}
    by_tag: dict[str, list[Operation]] = {}
    for path, operations in schema.get("paths", {}).items():
        for method in sorted(operations, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 99):
            operation = operations[method]
            tag = (operation.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation(method, path, operation, shapes, components))
    order = [tag for tag in TAG_ORDER if tag in by_tag] + sorted(set(by_tag) - set(TAG_ORDER))
    sections = tuple(Section(tag=tag, title=tag.replace("-", " ").capitalize(), operations=tuple(by_tag[tag]))
                     for tag in order)
    schemes = schema.get("components", {}).get("securitySchemes", {})
    security = format_html_join("", "<p>{}</p>", ((scheme.get("description", ""),) for scheme in schemes.values()))
    info = schema.get("info", {})
    return Reference(title=info.get("title", "API"), version=str(info.get("version", "")),
                     description=prose(info.get("description")), sections=sections,
                     shapes=tuple(shapes.values()), security=security)


def generate_schema() -> dict:
    """The schema `/api/v1/schema/` serves, without leaving form fields cached on the filter sets' classes."""
    filters = _class_filters()
    uncached = [f for f in filters if "_field" not in f.__dict__]
    try:
        return SchemaGenerator().get_schema(request=None, public=True)
    finally:
        for class_filter in uncached:
            class_filter.__dict__.pop("_field", None)


def _class_filters() -> list[django_filters.Filter]:
    found, pending = [], [django_filters.FilterSet]
    while pending:
        filterset = pending.pop()
        pending.extend(filterset.__subclasses__())
        found.extend(getattr(filterset, "base_filters", {}).values())
    return found


@functools.cache
def api_reference() -> Reference:
    """Generated on the first request of a process: the schema does not change while it runs (about 0.5 s)."""
    return build_reference(generate_schema())
