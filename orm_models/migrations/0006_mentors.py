from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

# Mentor help (创业导师帮扶): the mentor profile grows (title, counties served, encrypted phone,
# capacity, demo label, own login), and requests for a mentor with their follow-ups are new.
JSON = dict(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)


class Migration(migrations.Migration):
    dependencies = [("models", "0005_document_kind_caveat")]

    operations = [
        ops.AddField('Mentor', 'title', fields.CharField(default='', description='职称或身份, e.g. 高级经济师', max_length=64)),
        ops.AddField('Mentor', 'counties', fields.JSONField(default=list, description='counties served, empty = the whole prefecture', **JSON)),
        ops.AddField('Mentor', 'phone_enc', fields.TextField(null=True, description='AES-GCM ciphertext, never public', unique=False)),
        ops.AddField('Mentor', 'phone_hash', fields.CharField(null=True, db_index=True, max_length=64)),
        ops.AddField('Mentor', 'phone_masked', fields.CharField(null=True, max_length=16)),
        ops.AddField('Mentor', 'capacity', fields.IntField(default=5, description='people guided at once')),
        ops.AddField('Mentor', 'demo', fields.BooleanField(default=False, description='演示数据, not confirmed by operators')),
        ops.AddField('Mentor', 'account', fields.ForeignKeyField('models.StaffAccount', source_field='account_id', null=True, db_constraint=True, to_field='id', related_name='mentor_profiles', on_delete=OnDelete.SET_NULL, description='own login of the mentor (role mentor)')),
        ops.CreateModel(
            name='MentorRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='mentor_requests', on_delete=OnDelete.CASCADE)),
                ('county', fields.CharField(db_index=True, max_length=16)),
                ('industry', fields.CharField(description='the area the user needs help in', max_length=32)),
                ('need', fields.CharField(max_length=500)),
                ('name', fields.CharField(max_length=32)),
                ('phone_enc', fields.TextField(unique=False)),
                ('phone_hash', fields.CharField(db_index=True, max_length=64)),
                ('phone_masked', fields.CharField(max_length=16)),
                ('status', fields.CharField(default='submitted', db_index=True, max_length=16)),
                ('mentor', fields.ForeignKeyField('models.Mentor', source_field='mentor_id', null=True, db_constraint=True, to_field='id', related_name='requests', on_delete=OnDelete.SET_NULL)),
                ('assigned_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('assigned_by_id', fields.IntField(null=True)),
                ('rating', fields.IntField(null=True, description='1..5, by the user')),
                ('rating_comment', fields.CharField(default='', max_length=200)),
                ('reminded_at', fields.DatetimeField(null=True, description='when the county was reminded it is unassigned', auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'mentor_requests', 'app': 'models', 'pk_attr': 'id', 'table_description': 'An entrepreneur asks for a mentor.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MentorFollowUp',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('request', fields.ForeignKeyField('models.MentorRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='follow_ups', on_delete=OnDelete.CASCADE)),
                ('date', fields.DateField()),
                ('kind', fields.CharField(max_length=16)),
                ('note', fields.TextField(unique=False)),
                ('author_role', fields.CharField(description='mentor, county, prefecture or window', max_length=16)),
                ('author_id', fields.IntField(null=True)),
                ('author_name', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'mentor_follow_ups', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One 帮扶记录.'},
            bases=['Model'],
        ),
    ]
