"""How the schema describes token authentication (loaded from the app's ready())."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "An API token created by HR (Accounts → API tokens)."}


#: Answers every endpoint may give besides its own, all with a `detail` message.
ERRORS = {
    "400": "The request is not valid: the body names each problem.",
    "401": "No API token, or a key that is not valid or has been revoked.",
    "403": "The token's role or scope does not allow this.",
    "404": "No such object, or not one the token's role may see.",
    "429": "Too many requests for this token: wait and try again.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents the errors the API layer gives."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = {"type": "object", "properties": {"detail": {"type": "string"}},
                          "additionalProperties": True}
    problem = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses.setdefault(status, {"description": description, "content": problem})
    return result
