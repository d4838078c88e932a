from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    dependencies = [('models', '0004_notification_request_id')]

    operations = [
        ops.AddField(
            model_name='KbDocument',
            name='kind',
            field=fields.CharField(default='', description="tax: answers only questions about a business's taxes",
                                   max_length=16),
        ),
        ops.AddField(
            model_name='KbDocument',
            name='caveat',
            field=fields.CharField(default='', description="the last line of every answer from it (else the kind's)",
                                   max_length=200),
        ),
    ]
