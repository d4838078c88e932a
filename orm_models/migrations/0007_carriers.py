# Carriers as a service (issue 9): what each offers, where it is, and applications to settle in.
from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0006_mentors')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CarrierApplication',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='carrier_applications', on_delete=OnDelete.CASCADE)),
                ('carrier', fields.ForeignKeyField('models.Carrier', source_field='carrier_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('county', fields.CharField(db_index=True, description="the carrier's county", max_length=16)),
                ('name_enc', fields.TextField(unique=False)),
                ('name_masked', fields.CharField(max_length=40)),
                ('phone_enc', fields.TextField(unique=False)),
                ('phone_hash', fields.CharField(db_index=True, max_length=64)),
                ('phone_masked', fields.CharField(max_length=16)),
                ('project', fields.CharField(max_length=200)),
                ('team_size', fields.IntField()),
                ('needs', fields.CharField(max_length=500)),
                ('status', fields.CharField(default='submitted', db_index=True, max_length=16)),
                ('open_user_key', fields.CharField(null=True, unique=True, description='carrier:user while open', max_length=40)),
                ('open_phone_key', fields.CharField(null=True, unique=True, description='carrier:phone hash while open', max_length=80)),
                ('decision_note', fields.TextField(null=True, unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'carrier_applications', 'app': 'models', 'pk_attr': 'id', 'table_description': "An entrepreneur's application to settle in a carrier (孵化基地, 创业小镇, 创业社区 or 创业村落)."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Carrier',
            name='contact',
            field=fields.CharField(default='', description='a public contact (office phone or desk)', max_length=100),
        ),
        ops.AddField(
            model_name='Carrier',
            name='demo',
            field=fields.BooleanField(default=False, description='demo data operators have not confirmed (演示数据)'),
        ),
        ops.AddField(
            model_name='Carrier',
            name='industries',
            field=fields.JSONField(default=list, description="the plan's industries it is built around", encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Carrier',
            name='lat',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Carrier',
            name='lng',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Carrier',
            name='offers',
            field=fields.JSONField(default=dict, description='场地, 工位, 免费期, 服务: what a settler gets (text each)', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
