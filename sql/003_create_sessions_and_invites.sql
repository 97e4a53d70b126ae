-- Sessions (a sign-in with rotating refresh tokens), deleted accounts kept as tombstones, and book invites.

-- A deleted account keeps its row with no password, so its username stays taken: records keep usernames as text,
-- and a newcomer must not inherit a name others still see in their books' history.
ALTER TABLE users ADD COLUMN deleted_at BIGINT NULL;

-- One row per sign-in. Refresh tokens are stored only as SHA-256 hashes; refresh_hash is the one that works now.
CREATE TABLE auth_session (
  id                 BIGINT   NOT NULL AUTO_INCREMENT,
  user_id            BIGINT   NOT NULL,
  refresh_hash       CHAR(64) NOT NULL,
  refresh_expires_at BIGINT   NOT NULL,
  expires_at         BIGINT   NOT NULL,  -- the session's end however often it is refreshed
  created_at         BIGINT   NOT NULL,
  revoked_at         BIGINT   NULL,
  PRIMARY KEY (id),
  UNIQUE KEY ux_auth_session_refresh (refresh_hash),
  KEY ix_auth_session_user (user_id),
  CONSTRAINT fk_auth_session_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Refresh tokens already rotated away: presenting one again is either the loser of a race (within the grace)
-- or a stolen copy (later), which revokes the session.
CREATE TABLE auth_refresh_used (
  token_hash CHAR(64) NOT NULL,
  session_id BIGINT   NOT NULL,
  rotated_at BIGINT   NOT NULL,
  PRIMARY KEY (token_hash),
  KEY ix_auth_refresh_used_session (session_id),
  CONSTRAINT fk_auth_refresh_used_session FOREIGN KEY (session_id) REFERENCES auth_session (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- An invite makes whoever presents its code a member. Only the code's hash is stored.
CREATE TABLE book_invite (
  id         BIGINT     NOT NULL AUTO_INCREMENT,
  book_id    BIGINT     NOT NULL,
  code_hash  CHAR(64)   NOT NULL,
  role       VARCHAR(8) NOT NULL,
  created_by BIGINT     NOT NULL,
  created_at BIGINT     NOT NULL,
  expires_at BIGINT     NOT NULL,
  max_uses   INT        NULL,  -- NULL: unlimited
  uses       INT        NOT NULL DEFAULT 0,
  PRIMARY KEY (id),
  UNIQUE KEY ux_book_invite_code (code_hash),
  KEY ix_book_invite_book (book_id),
  CONSTRAINT fk_book_invite_book FOREIGN KEY (book_id) REFERENCES book (id) ON DELETE CASCADE,
  CHECK (role IN ('editor', 'viewer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
