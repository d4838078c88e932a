from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# A guidance team's own WeCom group robot (tried for its mentors before notify.wecom_webhook_url).
# Written against 0010_segment_embeddings: 0011_kb_synonyms is being written in parallel, and the
# lead chains 0012 after it at merge.


class Migration(migrations.Migration):
    dependencies = [("models", "0011_kb_synonyms")]

    operations = [
        ops.AddField('GuidanceTeam', 'wecom_webhook_url', fields.CharField(
            null=True, max_length=500,
            description="WeCom group robot of the team, tried for its mentors before notify.wecom_webhook_url")),
    ]
