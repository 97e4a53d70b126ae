-- The book row becomes a checkpoint and the change log the truth after it.
-- book.wallets/bills/transfers/incomes (and name, remark, version, next*Id) hold the book as of
-- book.checkpointVersion: a reader of this table alone sees the book as of that version. Every version after it
-- is a book_change row. A sync locks and writes only the book's small head row (book_head), never the book row,
-- so a checkpoint rewriting megabytes of JSON in the book row never blocks a sync.
ALTER TABLE book ADD COLUMN checkpointVersion BIGINT NOT NULL DEFAULT 0;
UPDATE book SET checkpointVersion = version;

-- The current state of a book that is not its records: its version, name, id counters, last editor.
CREATE TABLE book_head (
  book_id        BIGINT       NOT NULL,
  version        BIGINT       NOT NULL,
  name           VARCHAR(16)  NOT NULL,
  remark         VARCHAR(255) NULL,
  lastEditedBy   VARCHAR(32)  NOT NULL,
  lastEditedAt   BIGINT       NOT NULL,
  nextWalletId   BIGINT       NOT NULL,
  nextBillId     BIGINT       NOT NULL,
  nextTransferId BIGINT       NOT NULL,
  nextIncomeId   BIGINT       NOT NULL,
  PRIMARY KEY (book_id),
  CONSTRAINT fk_book_head_book FOREIGN KEY (book_id) REFERENCES book (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO book_head (book_id, version, name, remark, lastEditedBy, lastEditedAt,
                       nextWalletId, nextBillId, nextTransferId, nextIncomeId)
SELECT id, version, name, remark, lastEditedBy, lastEditedAt, nextWalletId, nextBillId, nextTransferId, nextIncomeId
FROM book;

-- A foreign key check takes a shared lock on the parent row. With the book row as parent, every sync's log and
-- receipt insert (and every membership change, which holds the head lock meanwhile) would wait for a running
-- checkpoint; with the head as parent they wait for nothing but each other.
ALTER TABLE book_change DROP FOREIGN KEY fk_book_change_book;
ALTER TABLE book_change ADD CONSTRAINT fk_book_change_head FOREIGN KEY (book_id) REFERENCES book_head (book_id) ON DELETE CASCADE;
ALTER TABLE sync_receipt DROP FOREIGN KEY fk_sync_receipt_book;
ALTER TABLE sync_receipt ADD CONSTRAINT fk_sync_receipt_head FOREIGN KEY (book_id) REFERENCES book_head (book_id) ON DELETE CASCADE;
ALTER TABLE book_member DROP FOREIGN KEY fk_book_member_book;
ALTER TABLE book_member ADD CONSTRAINT fk_book_member_head FOREIGN KEY (book_id) REFERENCES book_head (book_id) ON DELETE CASCADE;
