from django.apps import AppConfig


class DevplansConfig(AppConfig):
    name = "devplans"
    verbose_name = "Development plans"
