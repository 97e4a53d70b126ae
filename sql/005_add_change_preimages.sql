-- Field-level merge (README "A sync", rule 12). pre_images: the records a version changed or deleted as they were
-- just before it, per collection, and the book's name and remark before it: the base of a client that last saw an
-- earlier version. conflicts: the fields that version overwrote although another sync had changed them since the
-- syncing client's base, with the version and username of that sync. Rows written before this script hold NULL in
-- both: no base is known before them (their syncs replaced whole records and reported no conflicts).
ALTER TABLE book_change ADD COLUMN pre_images JSON NULL, ADD COLUMN conflicts JSON NULL;
