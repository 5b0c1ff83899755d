from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from membership.member_pages import member_pages_connect


def _sync_roles(sender, **kwargs):
    # Permissions are created app by app after migrate; the roles follow once the last app is done.
    # post_migrate is sent only for apps with models (django.contrib.postgres, last on
    # PostgreSQL, has none), so wait for the last app that has them.
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not with_models[-1]:
        return
    from membership.services.roles import roles_sync

    roles_sync()


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_sync_roles, dispatch_uid="membership.sync_roles")
        member_pages_connect()
