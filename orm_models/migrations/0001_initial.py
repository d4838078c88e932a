from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='QuestionLog',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(description='oa or api', max_length=16)),
                ('openid', fields.CharField(null=True, max_length=64)),
                ('question', fields.TextField(unique=False)),
                ('confident', fields.BooleanField()),
                ('top_passage', fields.CharField(null=True, max_length=128)),
                ('score', fields.FloatField(default=0)),
                ('handled', fields.BooleanField(default=False, description='turned into an FAQ entry or dismissed')),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'question_logs', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Every policy question asked, by either channel: feeds the funnel and the FAQ backlog.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('app', fields.CharField(description='oa = official account, mp = mini-program', max_length=16)),
                ('openid', fields.CharField(max_length=64)),
                ('unionid', fields.CharField(null=True, db_index=True, max_length=64)),
                ('subscribed', fields.BooleanField(default=False)),
                ('county', fields.CharField(null=True, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'users', 'app': 'models', 'unique_together': (('app', 'openid'),), 'pk_attr': 'id', 'table_description': 'A WeChat user: one row per (app, openid), unionid links the same person across apps.'},
            bases=['Model'],
        ),
    ]
