-- The notes of the example resource. Applied by `npm run migrate` with the migration role
-- (deploy/sql/roles.sql), never by the service: its own role has no DDL rights.
CREATE TABLE notes (
  id uuid PRIMARY KEY,
  owner_id text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- A title is unique per owner: a second note with the same title answers 409.
  CONSTRAINT notes_owner_title_key UNIQUE (owner_id, title)
);

-- Every read filters on owner_id (the owner scope is in the SQL itself).
CREATE INDEX notes_owner_id_idx ON notes (owner_id, id);
