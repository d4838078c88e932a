from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_carriers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Event',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=100)),
                ('kind', fields.CharField(description='one of EVENT_KINDS', max_length=16)),
                ('description', fields.TextField(default='', unique=False)),
                ('start', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('end', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('county', fields.CharField(db_index=True, max_length=16)),
                ('place', fields.CharField(default='', max_length=200)),
                ('online_url', fields.CharField(default='', description='live-stream link, for 直播 and online events', max_length=500)),
                ('capacity', fields.IntField()),
                ('registered', fields.IntField(default=0, description='seats taken, moved only by conditional UPDATE')),
                ('signup_deadline', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('is_demo', fields.BooleanField(default=False, description='演示数据: not confirmed by an operator')),
                ('is_active', fields.BooleanField(default=True, description='false once staff withdraw the event')),
                ('created_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'events', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An event staff published for one county. ``registered`` only moves by conditional UPDATE.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventRegistration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='event_registrations', on_delete=OnDelete.CASCADE)),
                ('event', fields.ForeignKeyField('models.Event', source_field='event_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.RESTRICT)),
                ('county', fields.CharField(db_index=True, description="the event's county, for scoping", max_length=16)),
                ('name', fields.CharField(max_length=32)),
                ('phone_enc', fields.TextField(description='AES-GCM ciphertext, see chuangye/pii.py', unique=False)),
                ('phone_hash', fields.CharField(db_index=True, max_length=64)),
                ('phone_masked', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='registered', db_index=True, max_length=16)),
                ('code', fields.CharField(unique=True, description='check-in code shown at the event', max_length=6)),
                ('active_key', fields.CharField(null=True, unique=True, max_length=40)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('checked_in_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'event_registrations', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A sign-up. Status: registered then checked_in, or cancelled.'},
            bases=['Model'],
        ),
    ]
