-- Level 10: staff onboarding from the admin bot, and each staff user's
-- language.
--
-- An owner's `/staff_invite` stores a one-time invitation for a staff
-- member, known only by the SHA-256 of its code (the code itself is shown
-- to the owner once and never stored), until it expires. `/join <code>`
-- deletes the invitation and links the user who sent it to that staff
-- member in `staff_accounts`, in one transaction, so a code links one user
-- once. An account without a staff member records only the language of a
-- user who is staff by the config file.
--
-- Staff ids carry no foreign key here: staff members are deactivated, never
-- deleted, and these tables belong to the access gate, which is kept apart
-- from the catalog (as the other staff_access_* tables are).

CREATE TABLE staff_invitations (
    code_hash     TEXT PRIMARY KEY NOT NULL CHECK (length(code_hash) BETWEEN 1 AND 128),
    staff_id      INTEGER NOT NULL CHECK (staff_id > 0),
    expires_at_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE staff_accounts (
    user_id  INTEGER PRIMARY KEY NOT NULL,
    staff_id INTEGER CHECK (staff_id IS NULL OR staff_id > 0),
    language TEXT CHECK (language IS NULL OR length(language) BETWEEN 1 AND 35)
) STRICT;
