from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Feedback on answers (contract §4 POST /ask/{answer_id}/feedback, 有用/没用 in chat): the question
# log row is the answer; it keeps the segment a confident answer came from and the asker's verdict.


class Migration(migrations.Migration):
    dependencies = [('models', '0008_events')]

    initial = False

    operations = [
        ops.AddField(
            model_name='QuestionLog',
            name='segment_id',
            field=fields.IntField(null=True, description='the knowledge-base segment a confident answer came from'),
        ),
        ops.AddField(
            model_name='QuestionLog',
            name='helpful',
            field=fields.BooleanField(null=True, description="the asker's feedback: 有用 true, 没用 false, none yet null"),
        ),
        ops.AddField(
            model_name='QuestionLog',
            name='feedback_comment',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddField(
            model_name='QuestionLog',
            name='feedback_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
