from django.db import migrations


class Migration(migrations.Migration):
    """Creator names are the people app's now (its 0001); the table is left in place."""

    dependencies = [("audit", "0002_started_outcome"), ("people", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="CreatorName")],
            database_operations=[],
        ),
    ]
