from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

# Similar questions (相似问法) per knowledge segment (issue 8): indexed with it, never shown in answers.
# Nullable in the database so the column can be added to a table that already holds segments; the
# rows there get an empty list, and the code reads a missing list as empty.


class Migration(migrations.Migration):
    dependencies = [("models", "0012_team_webhook")]

    operations = [
        ops.AddField('KbSegment', 'questions', fields.JSONField(
            null=True, default=list, description="similar questions (相似问法): indexed with the segment, never shown",
            encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
        ops.RunSQL(["UPDATE kb_segments SET questions = '[]' WHERE questions IS NULL"], reverse_sql=[]),
    ]
