-- Users, books and who may do what in which book.
-- Times are epoch milliseconds (BIGINT), the unit the sync protocol speaks.

CREATE TABLE users (
  id            BIGINT       NOT NULL AUTO_INCREMENT,
  username      VARCHAR(32)  NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at    BIGINT       NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_users_username (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The customer's book design: one row per book, each collection a JSON array of records.
-- version and the next*Id counters belong to sync: ids only move forward, so none is ever reused.
-- JSON columns are validated by the engine itself (MySQL natively, MariaDB with an implicit JSON_VALID check),
-- so no explicit CHECK is added: on a big book a second validation doubles the cost of every write.
CREATE TABLE book (
  id             BIGINT       NOT NULL AUTO_INCREMENT,
  name           VARCHAR(16)  NOT NULL,
  wallets        JSON         NOT NULL,
  bills          JSON         NOT NULL,
  transfers      JSON         NOT NULL,
  incomes        JSON         NOT NULL,
  remark         VARCHAR(255) NULL,
  createdBy      VARCHAR(32)  NOT NULL,
  createdAt      BIGINT       NOT NULL,
  lastEditedBy   VARCHAR(32)  NOT NULL,
  lastEditedAt   BIGINT       NOT NULL,
  version        BIGINT       NOT NULL DEFAULT 0,
  nextWalletId   BIGINT       NOT NULL DEFAULT 1,
  nextBillId     BIGINT       NOT NULL DEFAULT 1,
  nextTransferId BIGINT       NOT NULL DEFAULT 1,
  nextIncomeId   BIGINT       NOT NULL DEFAULT 1,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE book_member (
  book_id    BIGINT     NOT NULL,
  user_id    BIGINT     NOT NULL,
  role       VARCHAR(8) NOT NULL,
  created_at BIGINT     NOT NULL,
  PRIMARY KEY (book_id, user_id),
  KEY ix_book_member_user (user_id),
  CONSTRAINT fk_book_member_book FOREIGN KEY (book_id) REFERENCES book (id) ON DELETE CASCADE,
  CONSTRAINT fk_book_member_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CHECK (role IN ('owner', 'editor', 'viewer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
