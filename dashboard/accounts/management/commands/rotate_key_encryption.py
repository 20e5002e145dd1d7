from django.core.management.base import BaseCommand, CommandError

from dashboard.accounts.services import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored upstream API key under the newest key of "
        "DASHBOARD_ENCRYPTION_KEYS. Put the new key first and keep the old ones after it "
        "until this command has run."
    )

    def handle(self, *args, **options):
        rotated, unreadable = rotate_all()
        self.stdout.write(f"Re-encrypted {rotated} key(s) under the newest encryption key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} key(s) could not be decrypted with any configured encryption "
                "key and were left unchanged."
            )
