"""What a signature of a statement revision covers: the statement's kind, title, measure and target, and the
revision's number, words, effective date and audience — not its status, which moves on after the approval.
The same content is signed when a leader acknowledges the revision (meaning "acknowledged")."""

from __future__ import annotations

from competency.signing import managing_users
from signatures import registry

from .models import StatementRevision


def revision_content(revision: StatementRevision) -> dict:
    statement = revision.statement
    return {
        "statement": statement.pk, "kind": statement.kind, "title": statement.title,
        "measure": statement.measure, "target": statement.target,
        "revision": revision.number, "text": revision.text, "effective_date": revision.effective_date,
        "applies_to_everyone": revision.applies_to_everyone,
        "org_units": sorted(revision.org_units.values_list("code", flat=True)),
        "role_profiles": sorted(revision.role_profiles.values_list("code", flat=True)),
    }


registry.register(StatementRevision, content=revision_content, version=lambda revision: revision.number,
                  authors=lambda revision: {revision.created_by_id}, signers=lambda revision: managing_users(),
                  label="statement revision")
