from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

# Colloquial words staff keep in the console (issue 8): entries read on top of the shipped
# knowledge/dict/synonyms.txt by every process's knowledge base.


class Migration(migrations.Migration):
    dependencies = [('models', '0010_segment_embeddings')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KbSynonym',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('canonical', fields.CharField(description='the word the documents use (规范词)', max_length=20)),
                ('variants', fields.JSONField(description='the colloquial, dialect or misspelt words read as the canonical one', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('focus', fields.BooleanField(default=False, description='says WHAT is asked (amount, term…): weighs more in a question')),
                ('active', fields.BooleanField(default=True, db_index=True)),
                ('created_by_id', fields.IntField(null=True)),
                ('updated_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kb_synonyms', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A colloquial-word entry staff keep: its variants are read as ``canonical`` in questions and'},
            bases=['Model'],
        ),
    ]
