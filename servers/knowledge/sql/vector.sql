-- Hybrid search: one embedding per chunk. Applied only where the `vector` extension exists and an
-- embedding provider is configured; {{dimensions}} is EMBEDDING_DIMENSIONS (validated integer).
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE kb_chunk_embeddings (
  chunk_id    bigint PRIMARY KEY REFERENCES kb_chunks (id) ON DELETE CASCADE,
  document_id text NOT NULL REFERENCES kb_documents (id) ON DELETE CASCADE,
  embedding   vector({{dimensions}}) NOT NULL
);
CREATE INDEX kb_chunk_embeddings_hnsw_idx ON kb_chunk_embeddings USING hnsw (embedding vector_cosine_ops);
