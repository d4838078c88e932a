from tortoise import migrations
from tortoise.migrations import operations as ops

# One open loan pre-application per product per person (the ID number's lookup hash): a partial
# UNIQUE index, so two simultaneous submissions cannot both get in, on SQLite and PostgreSQL alike.
# Tortoise's schema editor cannot declare a partial unique index on SQLite, hence raw SQL (the same
# statement on both). Duplicates filed before this rule are withdrawn first, keeping the oldest.
OPEN = "('submitted', 'reviewing')"  # handlers/applications/loans.py OPEN_STATUSES


class Migration(migrations.Migration):
    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunSQL(
            [
                "UPDATE loan_applications SET status = 'withdrawn', "
                "decision_note = '系统撤回：与同一人更早提交的同一产品预申请重复' "
                f"WHERE status IN {OPEN} AND EXISTS (SELECT 1 FROM loan_applications older "
                "WHERE older.product = loan_applications.product AND older.id_hash = loan_applications.id_hash "
                f"AND older.status IN {OPEN} AND older.id < loan_applications.id)",
                "CREATE UNIQUE INDEX uniq_loan_open_per_person ON loan_applications (product, id_hash) "
                f"WHERE status IN {OPEN}",
            ],
            reverse_sql="DROP INDEX uniq_loan_open_per_person",
        ),
    ]
