import hashlib

from django.conf import settings
from django.db import migrations, models


def fingerprint_saved_keys(apps, schema_editor):
    """Give every readable saved key its fingerprint; a second copy of one key keeps none."""
    from dashboard.accounts import crypto

    ApiKey = apps.get_model("accounts", "ApiKey")
    seen = set()
    for key in ApiKey.objects.order_by("pk"):
        try:
            plaintext = crypto.decrypt(key.ciphertext)
        except crypto.KeyDecryptionError:
            continue
        fingerprint = hashlib.sha256(plaintext.encode()).hexdigest()
        if (key.user_id, fingerprint) in seen:
            continue
        seen.add((key.user_id, fingerprint))
        ApiKey.objects.filter(pk=key.pk).update(fingerprint=fingerprint)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="apikey",
            name="fingerprint",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(fingerprint_saved_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="apikey",
            constraint=models.UniqueConstraint(
                condition=models.Q(("fingerprint", ""), _negated=True),
                fields=("user", "fingerprint"),
                name="unique_key_per_user",
            ),
        ),
    ]
