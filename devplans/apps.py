from django.apps import AppConfig


class DevplansConfig(AppConfig):
    name = "devplans"
    verbose_name = "Development plans"

    def ready(self) -> None:
        from documents import registry as documents
        from gaps import panels
        from signatures import registry as signatures

        from . import rules, signals  # noqa: F401
        from .models import Plan
        from .panels import plan_panel
        from .pdf import plan_filename, plan_pdf_source, render_plan_pdf
        from .selectors import plan_queryset
        from .signing import authors, role, signed_content, signers

        signatures.register(Plan, content=signed_content, version=lambda plan: plan.version, authors=authors,
                            signers=signers, role=role, label="development plan")
        documents.register("plan", model=Plan, render=render_plan_pdf, source=plan_pdf_source,
                           filename=plan_filename, rule="plan.view", label="Development plan", queryset=plan_queryset)
        panels.register(plan_panel)
