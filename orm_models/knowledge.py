"""The knowledge base as data: documents staff import (and the ones that ship), their segments,
every earlier version of them, and the one counter every process reads to know it is stale."""
from tortoise import fields

from orm_models.model import Model

KB_STATUSES = ("draft", "published", "disabled")
KB_CONFIDENCE = ("已确认", "未确认", "部分确认")  # 部分确认: only shipped documents carry it
KB_ORIGINS = ("shipped", "uploaded")


class KbDocument(Model):
    """One document: its metadata, where it came from and whether answers use it."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=200)
    issuer = fields.CharField(max_length=200, default="")
    doc_number = fields.CharField(max_length=100, default="", description="文号")
    published_on = fields.DateField(null=True)
    source_url = fields.CharField(max_length=500, default="")
    confidence = fields.CharField(max_length=8, description="已确认, 未确认 or (shipped only) 部分确认")
    county = fields.CharField(max_length=16, null=True, db_index=True, description="null: the whole prefecture")
    valid_until = fields.DateField(null=True, description="not used for answers after this day")
    status = fields.CharField(max_length=16, default="draft", db_index=True, description="draft, published or disabled")
    version = fields.IntField(default=1)
    origin = fields.CharField(max_length=16, default="uploaded", description="shipped or uploaded")
    shipped_key = fields.CharField(max_length=64, null=True, unique=True, description="the front matter id of a shipped file")
    shipped_hash = fields.CharField(max_length=64, null=True, description="sha256 of the shipped file last applied")
    upstream_hash = fields.CharField(max_length=64, null=True,
                                     description="sha256 of a newer shipped file not applied because staff edited the document")
    staff_edited = fields.BooleanField(default=False, description="changed by staff since it was imported")
    needs_check = fields.BooleanField(default=False, description="待核对: a paraphrased fact to check against the original")
    kind = fields.CharField(max_length=16, default="", description="tax: answers only questions about a business's taxes")
    caveat = fields.CharField(max_length=200, default="", description="the last line of every answer from it (else the kind's)")
    note = fields.TextField(default="")
    filename = fields.CharField(max_length=255, default="")
    created_by_id = fields.IntField(null=True)
    updated_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kb_documents"


class KbSegment(Model):
    """One passage of a document, as answers use it."""

    id = fields.IntField(primary_key=True)
    document = fields.ForeignKeyField("models.KbDocument", related_name="segments", on_delete=fields.CASCADE)
    position = fields.IntField()
    heading = fields.CharField(max_length=200, default="")
    text = fields.TextField()
    enabled = fields.BooleanField(default=True)
    questions = fields.JSONField(null=True, default=list,
                                 description="similar questions (相似问法): indexed with the segment, never shown")
    used_count = fields.IntField(default=0, description="confident answers given from it")
    useless_count = fields.IntField(default=0, description="of those, judged 没用")

    class Meta:
        table = "kb_segments"
        unique_together = (("document", "position"),)


class KbRevision(Model):
    """A document as it was at one version (fields and segments): any of them can be restored."""

    id = fields.IntField(primary_key=True)
    document = fields.ForeignKeyField("models.KbDocument", related_name="revisions", on_delete=fields.CASCADE)
    version = fields.IntField()
    snapshot = fields.JSONField(description="{document: {...}, segments: [{heading, text, enabled}]}")
    staff_id = fields.IntField(null=True, description="null for the system (shipped files)")
    action = fields.CharField(max_length=32)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "kb_revisions"
        unique_together = (("document", "version"),)


class KbState(Model):
    """One row (id 1): a counter bumped in the same transaction as every change to what answers use."""

    id = fields.IntField(primary_key=True)
    version = fields.BigIntField(default=0)

    class Meta:
        table = "kb_state"


class KbSegmentEmbedding(Model):
    """A segment's vector from the embedding model (``llm.embedding_model``), for hybrid retrieval.

    Stale, and embedded again in the background, when the model, its dimension or the segment's
    text (``text_hash``) changed. Segments without a row are found by BM25 alone."""

    id = fields.IntField(primary_key=True)
    segment = fields.OneToOneField("models.KbSegment", related_name="embedding", on_delete=fields.CASCADE)
    model = fields.CharField(max_length=128, description="embedding model name")
    dimension = fields.IntField()
    text_hash = fields.CharField(max_length=64, description="sha256 of the text that was embedded")
    vector = fields.BinaryField(description="float32 little-endian, `dimension` values")
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kb_segment_embeddings"


class KbSynonym(Model):
    """A colloquial-word entry staff keep: its variants are read as ``canonical`` in questions and
    documents, on top of the shipped table (knowledge/dict/synonyms.txt), which they win over."""

    id = fields.IntField(primary_key=True)
    canonical = fields.CharField(max_length=20, description="the word the documents use (规范词)")
    variants = fields.JSONField(description="the colloquial, dialect or misspelt words read as the canonical one")
    focus = fields.BooleanField(default=False, description="says WHAT is asked (amount, term…): weighs more in a question")
    active = fields.BooleanField(default=True, db_index=True)
    created_by_id = fields.IntField(null=True)
    updated_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "kb_synonyms"
