from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0009_answer_feedback')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KbSegmentEmbedding',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('segment', fields.OneToOneField('models.KbSegment', source_field='segment_id', db_constraint=True, to_field='id', related_name='embedding', on_delete=OnDelete.CASCADE)),
                ('model', fields.CharField(description='embedding model name', max_length=128)),
                ('dimension', fields.IntField()),
                ('text_hash', fields.CharField(description='sha256 of the text that was embedded', max_length=64)),
                ('vector', fields.BinaryField(description='float32 little-endian, `dimension` values')),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'kb_segment_embeddings', 'app': 'models', 'pk_attr': 'id', 'table_description': "A segment's vector from the embedding model (``llm.embedding_model``), for hybrid retrieval."},
            bases=['Model'],
        ),
    ]
