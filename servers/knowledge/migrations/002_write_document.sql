-- Writes one prepared document in ONE statement (so one round trip and one implicit transaction):
-- space upsert when needed, row lock, hash comparison, document upsert, old chunks replaced.
-- Returns 'added' | 'updated' | 'unchanged', the version and the new chunk ids (in ordinal order).
CREATE FUNCTION kb_write_document(
  p_id text, p_source text, p_source_key text, p_space_key text, p_space_name text, p_title text,
  p_url text, p_tags text[], p_version integer, p_content_type text, p_content_hash text,
  p_char_count integer, p_updated_at timestamptz,
  p_ordinals integer[], p_sections text[], p_anchors text[], p_bodies text[],
  OUT status text, OUT version integer, OUT chunk_ids bigint[])
LANGUAGE plpgsql AS $$
DECLARE
  v_hash text;
  v_version integer;
  v_inserted boolean;
BEGIN
  -- Losing the last moments of commits in a crash is harmless (ingestion is idempotent and re-run);
  -- not waiting for the WAL flush per document multiplies throughput.
  PERFORM set_config('synchronous_commit', 'off', true);
  -- Upsert the space only when it is missing or renamed: ON CONFLICT DO UPDATE would lock the space
  -- row for the whole transaction and serialise every ingestion into that space.
  PERFORM 1 FROM kb_spaces s WHERE s.key = p_space_key AND (s.name = p_space_name OR p_space_name = p_space_key);
  IF NOT FOUND THEN
    INSERT INTO kb_spaces (key, name) VALUES (p_space_key, p_space_name)
    ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name
      WHERE EXCLUDED.name <> EXCLUDED.key AND kb_spaces.name <> EXCLUDED.name;
  END IF;
  SELECT d.content_hash, d.version INTO v_hash, v_version FROM kb_documents d WHERE d.source_key = p_source_key FOR UPDATE;
  IF FOUND AND v_hash = p_content_hash THEN
    status := 'unchanged';
    version := v_version;
    RETURN;
  END IF;
  INSERT INTO kb_documents AS d (id, source, source_key, space_key, title, url, tags, version, content_type,
                                 content_hash, char_count, chunk_count, updated_at)
  VALUES (p_id, p_source, p_source_key, p_space_key, p_title, p_url, p_tags, COALESCE(p_version, 1), p_content_type,
          p_content_hash, p_char_count, cardinality(p_ordinals), p_updated_at)
  ON CONFLICT (source_key) DO UPDATE SET
    space_key = EXCLUDED.space_key, title = EXCLUDED.title, url = EXCLUDED.url, tags = EXCLUDED.tags,
    version = COALESCE(p_version, d.version + 1), content_type = EXCLUDED.content_type,
    content_hash = EXCLUDED.content_hash, char_count = EXCLUDED.char_count,
    chunk_count = EXCLUDED.chunk_count, updated_at = EXCLUDED.updated_at, ingested_at = now()
  WHERE d.content_hash <> EXCLUDED.content_hash
  RETURNING d.version, (d.xmax = 0) INTO version, v_inserted;
  IF NOT FOUND THEN
    -- A concurrent ingestion inserted the same content between our lock and our insert.
    status := 'unchanged';
    version := COALESCE(v_version, 1);
    RETURN;
  END IF;
  IF NOT v_inserted THEN
    DELETE FROM kb_chunks WHERE document_id = p_id;
  END IF;
  WITH inserted AS (
    INSERT INTO kb_chunks (document_id, ordinal, section, anchor, body, doc_title, space_key, tags, updated_at)
    SELECT p_id, t.ordinal, t.section, t.anchor, t.body, p_title, p_space_key, p_tags, p_updated_at
      FROM unnest(p_ordinals, p_sections, p_anchors, p_bodies) AS t(ordinal, section, anchor, body)
    RETURNING id, ordinal)
  SELECT array_agg(i.id ORDER BY i.ordinal) INTO chunk_ids FROM inserted i;
  status := CASE WHEN v_inserted THEN 'added' ELSE 'updated' END;
END $$;
