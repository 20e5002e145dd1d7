from django.db import migrations, models


class Migration(migrations.Migration):
    """Creator names move here from the audit app; their table stays where it is."""

    initial = True

    dependencies = [("audit", "0002_started_outcome")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CreatorName",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("creator_id", models.CharField(max_length=64, unique=True)),
                        ("display_name", models.CharField(max_length=100)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={"ordering": ["display_name"], "db_table": "audit_creatorname"},
                ),
            ],
            database_operations=[],
        ),
    ]
