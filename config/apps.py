from django.contrib.staticfiles.apps import StaticFilesConfig


class ProficioStaticFilesConfig(StaticFilesConfig):
    """Collects only the assets pages use: the packages ship thousands of icons, sources and maps."""

    # Directory names match by their own name, files by their path (see staticfiles.utils.get_files).
    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "svgs",
        "sprites",
        "ext",
        "*.rtl.*",
        "fontawesome/js/*",
        "fontawesome/css/v4-*",
        "fontawesome/css/v5-*",
        "bootstrap/js/jquery*",
        "bootstrap/js/bootstrap.esm*",
        "bootstrap/css/bootstrap-grid*",
        "bootstrap/css/bootstrap-reboot*",
        "bootstrap/css/bootstrap-utilities*",
        "django_htmx/htmax-*",
        "django_htmx/htmx-4*",
    ]
