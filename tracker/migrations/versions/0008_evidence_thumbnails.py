"""A small thumbnail beside each evidence image, made once when it is stored, so that a page showing many images
reads a few kilobytes each instead of the photos; images stored before get theirs here."""
from alembic import op
from sqlalchemy import LargeBinary, bindparam, text

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from tracker.evidence import IMAGES, make_thumbnail

    bind = op.get_bind()
    blob = "BLOB" if bind.dialect.name == "sqlite" else "BYTEA"
    bind.exec_driver_sql(f"ALTER TABLE evidence ADD COLUMN thumbnail {blob}")
    ids = bind.execute(text("SELECT id FROM evidence WHERE media_type IN :media ORDER BY id")
                       .bindparams(bindparam("media", expanding=True)), {"media": list(IMAGES)}).scalars().all()
    for number in ids:  # one photo in memory at a time
        content = bind.execute(text("SELECT content FROM evidence WHERE id = :id"), {"id": number}).scalar_one()
        bind.execute(text("UPDATE evidence SET thumbnail = :thumb WHERE id = :id")
                     .bindparams(bindparam("thumb", type_=LargeBinary)),
                     {"thumb": make_thumbnail(bytes(content)), "id": number})
