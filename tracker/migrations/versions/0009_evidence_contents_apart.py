"""Evidence contents apart from the list of files, and a small thumbnail of each image. SQLite keeps a large value
in a chain of pages that must be walked to reach any column stored after it, so listing 200 photos read 400 MB;
the list now holds names only, the files sit in evidence_content, and each image's thumbnail (a few kilobytes,
made once when it is stored) in evidence_thumbnails, so that a page showing many images stays light. Images stored
before get their thumbnails here."""
from alembic import op
from sqlalchemy import LargeBinary, bindparam, text

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from tracker.evidence import IMAGES, make_thumbnail

    bind = op.get_bind()
    blob = "BLOB" if bind.dialect.name == "sqlite" else "BYTEA"
    for table, column in (("evidence_content", "content"), ("evidence_thumbnails", "thumbnail")):
        bind.exec_driver_sql(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY REFERENCES evidence (id),"
                             f" {column} {blob} NOT NULL)")
    bind.exec_driver_sql("INSERT INTO evidence_content (id, content) SELECT id, content FROM evidence")
    bind.exec_driver_sql("ALTER TABLE evidence DROP COLUMN content")
    ids = bind.execute(text("SELECT id FROM evidence WHERE media_type IN :media ORDER BY id")
                       .bindparams(bindparam("media", expanding=True)), {"media": list(IMAGES)}).scalars().all()
    for number in ids:  # one photo in memory at a time
        content = bind.execute(text("SELECT content FROM evidence_content WHERE id = :id"), {"id": number}).scalar_one()
        thumb = make_thumbnail(bytes(content))
        if thumb is not None:
            bind.execute(text("INSERT INTO evidence_thumbnails (id, thumbnail) VALUES (:id, :thumb)")
                         .bindparams(bindparam("thumb", type_=LargeBinary)), {"id": number, "thumb": thumb})
