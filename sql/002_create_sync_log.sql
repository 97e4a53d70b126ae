-- Every applied sync, one row per book version: backs pulls ("changes since N"), history and audits.
CREATE TABLE book_change (
  book_id    BIGINT      NOT NULL,
  version    BIGINT      NOT NULL,
  sync_id    VARCHAR(64) NULL,
  user_id    BIGINT      NOT NULL,
  username   VARCHAR(32) NOT NULL,
  created_at BIGINT      NOT NULL,
  changes    JSON        NOT NULL,  -- the records as this version wrote them
  deleted    JSON        NOT NULL,  -- ids removed at this version, per collection: what pulls need
  summary    JSON        NOT NULL,  -- counts of new/modified/deleted per collection, for history
  PRIMARY KEY (book_id, version),
  KEY ix_book_change_created (created_at),
  CONSTRAINT fk_book_change_book FOREIGN KEY (book_id) REFERENCES book (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Every sync answered, applied or not, so that a retried syncId returns the first result.
CREATE TABLE sync_receipt (
  book_id      BIGINT      NOT NULL,
  sync_id      VARCHAR(64) NOT NULL,
  payload_hash CHAR(64)    NOT NULL,
  result       JSON        NOT NULL,
  created_at   BIGINT      NOT NULL,
  PRIMARY KEY (book_id, sync_id),
  KEY ix_sync_receipt_created (created_at),
  CONSTRAINT fk_sync_receipt_book FOREIGN KEY (book_id) REFERENCES book (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
