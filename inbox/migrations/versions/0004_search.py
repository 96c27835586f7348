"""search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Search over messages and customers, and the indexes the inbox views walk at scale.

SQLite: FTS5 tables with the trigram tokenizer (substrings, so Chinese needs no word segmentation), kept current
by triggers, so every write path (ingest, reply, merge, erase, purge) updates them in its own transaction.
Messages are indexed as external content (the text is not stored twice); customers keep their name and identities
in the index row, rebuilt by trigger whenever the record or one of its identities changes. Erased and merged
records leave the index.

PostgreSQL: pg_trgm GIN indexes on the base columns; they need no upkeep.

Only what agents may read is indexed: message subject and text, customer name, e-mail and phone identities.
Sensitive (sealed) fields never are.
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# A customer's index row: present only while the record is neither erased nor merged into another.
_REFRESH_CONTACT = """
    DELETE FROM search_contacts WHERE rowid = {contact};
    INSERT INTO search_contacts (rowid, name, identities)
        SELECT c.id, c.name, (SELECT group_concat(i.value, ' ') FROM contact_identities AS i WHERE i.contact_id = c.id)
        FROM contacts AS c
        WHERE c.id = {contact} AND c.erased_at IS NULL AND c.merged_into_id IS NULL;
"""

SQLITE_UPGRADE = [
    "CREATE VIRTUAL TABLE search_messages USING fts5("
    "subject, text, content='messages', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER search_messages_insert AFTER INSERT ON messages BEGIN
        INSERT INTO search_messages (rowid, subject, text) VALUES (new.id, new.subject, new.text);
    END""",
    """CREATE TRIGGER search_messages_delete AFTER DELETE ON messages BEGIN
        INSERT INTO search_messages (search_messages, rowid, subject, text)
            VALUES ('delete', old.id, old.subject, old.text);
    END""",
    """CREATE TRIGGER search_messages_update AFTER UPDATE OF subject, text ON messages BEGIN
        INSERT INTO search_messages (search_messages, rowid, subject, text)
            VALUES ('delete', old.id, old.subject, old.text);
        INSERT INTO search_messages (rowid, subject, text) VALUES (new.id, new.subject, new.text);
    END""",
    "INSERT INTO search_messages (search_messages) VALUES ('rebuild')",
    "CREATE VIRTUAL TABLE search_contacts USING fts5(name, identities, tokenize='trigram')",
    f"""CREATE TRIGGER search_contacts_insert AFTER INSERT ON contacts BEGIN
        {_REFRESH_CONTACT.format(contact="new.id")}
    END""",
    """CREATE TRIGGER search_contacts_delete AFTER DELETE ON contacts BEGIN
        DELETE FROM search_contacts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER search_contacts_update AFTER UPDATE OF name, erased_at, merged_into_id ON contacts BEGIN
        {_REFRESH_CONTACT.format(contact="new.id")}
    END""",
    f"""CREATE TRIGGER search_identities_insert AFTER INSERT ON contact_identities BEGIN
        {_REFRESH_CONTACT.format(contact="new.contact_id")}
    END""",
    f"""CREATE TRIGGER search_identities_delete AFTER DELETE ON contact_identities BEGIN
        {_REFRESH_CONTACT.format(contact="old.contact_id")}
    END""",
    f"""CREATE TRIGGER search_identities_update AFTER UPDATE OF contact_id, value ON contact_identities BEGIN
        {_REFRESH_CONTACT.format(contact="old.contact_id")}
        {_REFRESH_CONTACT.format(contact="new.contact_id")}
    END""",
    """INSERT INTO search_contacts (rowid, name, identities)
        SELECT c.id, c.name, (SELECT group_concat(i.value, ' ') FROM contact_identities AS i WHERE i.contact_id = c.id)
        FROM contacts AS c WHERE c.erased_at IS NULL AND c.merged_into_id IS NULL""",
]
SQLITE_DOWNGRADE = [
    *(
        f"DROP TRIGGER IF EXISTS {name}"
        for name in (
            "search_messages_insert",
            "search_messages_delete",
            "search_messages_update",
            "search_contacts_insert",
            "search_contacts_delete",
            "search_contacts_update",
            "search_identities_insert",
            "search_identities_delete",
            "search_identities_update",
        )
    ),
    "DROP TABLE IF EXISTS search_messages",
    "DROP TABLE IF EXISTS search_contacts",
]

# The inbox views filter on these; PostgreSQL keeps them in the queue indexes so pages are read from the index.
COVERED = [
    'team_id',
    'channel',
    'contact_id',
    'is_complaint',
    'first_response_at',
    'first_response_due_at',
    'resolved_at',
    'resolution_due_at',
]

POSTGRES_INDEXES = {
    "ix_search_messages_text": "messages USING gin (text gin_trgm_ops)",
    "ix_search_messages_subject": "messages USING gin (subject gin_trgm_ops)",
    "ix_search_contacts_name": "contacts USING gin (name gin_trgm_ops)",
    "ix_search_identities_value": "contact_identities USING gin (value gin_trgm_ops)",
}


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.create_index(
            'ix_conversations_assignee_queue',
            ['assignee_id', 'status', 'last_message_at', 'id'],
            unique=False,
            postgresql_include=list(COVERED),
        )
        batch_op.create_index(
            'ix_conversations_team_queue',
            ['team_id', 'status', 'last_message_at', 'id'],
            unique=False,
            postgresql_include=[column for column in COVERED if column != 'team_id'] + ['assignee_id'],
        )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_tier', ['tier', 'id'], unique=False)
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
    else:
        # Trusted since PostgreSQL 13: the database owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for name, target in POSTGRES_INDEXES.items():
            op.execute(f'CREATE INDEX {name} ON {target}')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
    else:
        for name in POSTGRES_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
        # The extension stays: other schemas in the database may use it, and upgrading again is idempotent.
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_tier')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_conversations_team_queue')
        batch_op.drop_index('ix_conversations_assignee_queue')
