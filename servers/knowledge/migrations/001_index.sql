-- Knowledge index: spaces, documents, chunks (full-text), feedback, source sync state.

CREATE TABLE kb_spaces (
  key         text PRIMARY KEY,
  name        text NOT NULL,
  description text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kb_documents (
  id           text PRIMARY KEY,
  source       text NOT NULL CHECK (source IN ('folder', 'upload', 'confluence', 'demo')),
  -- Stable identity of the document inside its source (relative path, Confluence page id, upload key).
  source_key   text NOT NULL UNIQUE,
  space_key    text NOT NULL REFERENCES kb_spaces (key),
  title        text NOT NULL,
  url          text,
  tags         text[] NOT NULL DEFAULT '{}',
  version      integer NOT NULL DEFAULT 1,
  content_type text NOT NULL,
  content_hash text NOT NULL,
  char_count   integer NOT NULL,
  chunk_count  integer NOT NULL,
  updated_at   timestamptz NOT NULL,
  ingested_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_documents_updated_idx ON kb_documents (updated_at DESC, id);
CREATE INDEX kb_documents_space_idx ON kb_documents (space_key, updated_at DESC);
CREATE INDEX kb_documents_tags_idx ON kb_documents USING gin (tags);

-- One chunk is a piece of one section. Title, space, tags and updated time are copied from the
-- document so the weighted tsvector can be a generated column and filters need no join.
CREATE TABLE kb_chunks (
  id          bigserial PRIMARY KEY,
  document_id text NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
  ordinal     integer NOT NULL,
  section     text NOT NULL,
  anchor      text NOT NULL,
  body        text NOT NULL,
  doc_title   text NOT NULL,
  space_key   text NOT NULL,
  tags        text[] NOT NULL,
  updated_at  timestamptz NOT NULL,
  tsv         tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', doc_title), 'A') ||
                setweight(to_tsvector('english', section), 'B') ||
                setweight(to_tsvector('english', body), 'D')
              ) STORED,
  -- Title and section only: finds the strongest matches without scanning every body match.
  head_tsv    tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', doc_title), 'A') ||
                setweight(to_tsvector('english', section), 'B')
              ) STORED,
  UNIQUE (document_id, ordinal)
);
-- Ranking reads the tsvector of every candidate: keep it inline (MAIN) and push long bodies out of
-- line (EXTERNAL) instead, which makes a candidate ~4x cheaper to rank than a TOASTed tsvector.
ALTER TABLE kb_chunks
  ALTER COLUMN body SET STORAGE EXTERNAL,
  ALTER COLUMN tsv SET STORAGE MAIN,
  ALTER COLUMN head_tsv SET STORAGE MAIN;
CREATE INDEX kb_chunks_tsv_idx ON kb_chunks USING gin (tsv);
CREATE INDEX kb_chunks_head_tsv_idx ON kb_chunks USING gin (head_tsv);
CREATE INDEX kb_chunks_space_idx ON kb_chunks (space_key);
CREATE INDEX kb_chunks_updated_idx ON kb_chunks (updated_at);
CREATE INDEX kb_chunks_tags_idx ON kb_chunks USING gin (tags);

CREATE TABLE kb_feedback (
  id             bigserial PRIMARY KEY,
  document_id    text NOT NULL,
  section        text,
  query          text,
  rating         text NOT NULL CHECK (rating IN ('helpful', 'not_helpful', 'outdated', 'incorrect', 'unsafe')),
  comment        text,
  subject        text NOT NULL,
  correlation_id text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kb_feedback_document_idx ON kb_feedback (document_id, created_at DESC);

-- Incremental sources remember how far they got (e.g. Confluence: last-modified per space).
CREATE TABLE kb_sync_state (
  source      text NOT NULL,
  scope       text NOT NULL,
  cursor      text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, scope)
);
