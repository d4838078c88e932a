from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_loan_open_unique')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KbDocument',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('title', fields.CharField(max_length=200)),
                ('issuer', fields.CharField(default='', max_length=200)),
                ('doc_number', fields.CharField(default='', description='文号', max_length=100)),
                ('published_on', fields.DateField(null=True)),
                ('source_url', fields.CharField(default='', max_length=500)),
                ('confidence', fields.CharField(description='已确认, 未确认 or (shipped only) 部分确认', max_length=8)),
                ('county', fields.CharField(null=True, db_index=True, description='null: the whole prefecture', max_length=16)),
                ('valid_until', fields.DateField(null=True, description='not used for answers after this day')),
                ('status', fields.CharField(default='draft', db_index=True, description='draft, published or disabled', max_length=16)),
                ('version', fields.IntField(default=1)),
                ('origin', fields.CharField(default='uploaded', description='shipped or uploaded', max_length=16)),
                ('shipped_key', fields.CharField(null=True, unique=True, description='the front matter id of a shipped file', max_length=64)),
                ('shipped_hash', fields.CharField(null=True, description='sha256 of the shipped file last applied', max_length=64)),
                ('upstream_hash', fields.CharField(null=True, description='sha256 of a newer shipped file not applied because staff edited the document', max_length=64)),
                ('staff_edited', fields.BooleanField(default=False, description='changed by staff since it was imported')),
                ('needs_check', fields.BooleanField(default=False, description='待核对: a paraphrased fact to check against the original')),
                ('note', fields.TextField(default='', unique=False)),
                ('filename', fields.CharField(default='', max_length=255)),
                ('created_by_id', fields.IntField(null=True)),
                ('updated_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kb_documents', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One document: its metadata, where it came from and whether answers use it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KbRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('document', fields.ForeignKeyField('models.KbDocument', source_field='document_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('version', fields.IntField()),
                ('snapshot', fields.JSONField(description='{document: {...}, segments: [{heading, text, enabled}]}', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('staff_id', fields.IntField(null=True, description='null for the system (shipped files)')),
                ('action', fields.CharField(max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'kb_revisions', 'app': 'models', 'unique_together': (('document', 'version'),), 'pk_attr': 'id', 'table_description': 'A document as it was at one version (fields and segments): any of them can be restored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KbSegment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('document', fields.ForeignKeyField('models.KbDocument', source_field='document_id', db_constraint=True, to_field='id', related_name='segments', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('heading', fields.CharField(default='', max_length=200)),
                ('text', fields.TextField(unique=False)),
                ('enabled', fields.BooleanField(default=True)),
                ('used_count', fields.IntField(default=0, description='confident answers given from it')),
                ('useless_count', fields.IntField(default=0, description='of those, judged 没用')),
            ],
            options={'table': 'kb_segments', 'app': 'models', 'unique_together': (('document', 'position'),), 'pk_attr': 'id', 'table_description': 'One passage of a document, as answers use it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='KbState',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.BigIntField(default=0)),
            ],
            options={'table': 'kb_state', 'app': 'models', 'pk_attr': 'id', 'table_description': 'One row (id 1): a counter bumped in the same transaction as every change to what answers use.'},
            bases=['Model'],
        ),
    ]
