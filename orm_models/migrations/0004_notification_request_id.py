from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_knowledge_base')]

    operations = [
        ops.AddField(
            model_name='Notification',
            name='request_id',
            field=fields.CharField(null=True, description='the request that enqueued it (logs)', max_length=64),
        ),
    ]
