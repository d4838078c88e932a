from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

# Similar questions (相似问法) per knowledge segment (issue 8): indexed with it, never shown in answers.


class Migration(migrations.Migration):
    dependencies = [("models", "0012_team_webhook")]

    operations = [
        ops.AddField('KbSegment', 'questions', fields.JSONField(
            default=list, description="similar questions (相似问法): indexed with the segment, never shown",
            encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
    ]
