from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_segment_questions')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Appointment',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='Appointment',
            index=Index(fields=['window_id']),
        ),
        ops.AddIndex(
            model_name='CarrierApplication',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='CarrierApplication',
            index=Index(fields=['carrier_id']),
        ),
        ops.AddIndex(
            model_name='EventRegistration',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='EventRegistration',
            index=Index(fields=['event_id']),
        ),
        ops.AddIndex(
            model_name='HandoffMessage',
            index=Index(fields=['session_id']),
        ),
        ops.AddIndex(
            model_name='LoanApplication',
            index=Index(fields=['user_id']),
        ),
        ops.AlterModelOptions(
            name='MentorFollowUp',
            options={'table': 'mentor_follow_ups', 'app': 'models', 'indexes': [Index(fields=['request_id'])], 'pk_attr': 'id', 'table_description': 'One 帮扶记录: date, kind, note, written by the mentor or by staff.'},
        ),
        ops.AddIndex(
            model_name='MentorFollowUp',
            index=Index(fields=['request_id']),
        ),
        ops.AlterModelOptions(
            name='MentorRequest',
            options={'table': 'mentor_requests', 'app': 'models', 'indexes': [Index(fields=['user_id']), Index(fields=['mentor_id'])], 'pk_attr': 'id', 'table_description': 'An entrepreneur asks for a mentor: submitted, then assigned (to one mentor), then closed.'},
        ),
        ops.AddIndex(
            model_name='MentorRequest',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='MentorRequest',
            index=Index(fields=['mentor_id']),
        ),
        ops.AddIndex(
            model_name='NotificationAttempt',
            index=Index(fields=['notification_id']),
        ),
        ops.AddIndex(
            model_name='TrainingApplication',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='TrainingApplication',
            index=Index(fields=['session_id']),
        ),
    ]
