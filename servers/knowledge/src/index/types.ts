/** Shapes shared by parsing, chunking, ingestion and search. */

export type ContentType = 'markdown' | 'html' | 'text';
export type SourceKind = 'folder' | 'upload' | 'confluence' | 'demo';

/** A document as a source hands it to ingestion, before validation. */
export interface IncomingDocument {
  source: SourceKind;
  /** Stable identity inside the source: relative path, Confluence page id, upload key. */
  sourceKey: string;
  space: { key: string; name?: string | undefined };
  /** Overrides the title found in the content (Confluence page title, upload metadata). */
  title?: string | undefined;
  url?: string | undefined;
  tags?: readonly string[] | undefined;
  /** Last modification in the source; defaults to the ingestion time. */
  updatedAt?: Date | undefined;
  /** Version number from the source (Confluence); otherwise the index counts versions itself. */
  version?: number | undefined;
  contentType: ContentType;
  /** Raw bytes (checked for encoding) or already-decoded text. */
  content: Uint8Array | string;
}

/** One heading-delimited part of a document. */
export interface Section {
  /** Heading titles from the outermost to this section's own heading. */
  headings: string[];
  /** Paragraphs of this section (without its sub-sections), blank-line separated. */
  text: string;
}

export interface ParsedContent {
  /** Title found in the content (front matter `title:`, first top-level heading, HTML `<title>`). */
  title?: string | undefined;
  sections: Section[];
  /** Markdown front matter (`key: value` lines); values are strings or string lists. */
  meta: Record<string, string | string[]>;
}

export interface Chunk {
  ordinal: number;
  /** Section path shown in citations, e.g. `Mitigation > Scale out`. */
  section: string;
  /** URL fragment of the section (`mitigation`), unique inside the document. */
  anchor: string;
  body: string;
}

/** A validated document ready to be written: metadata resolved, chunks cut, content hashed. */
export interface PreparedDocument {
  id: string;
  source: SourceKind;
  sourceKey: string;
  spaceKey: string;
  spaceName: string;
  title: string;
  url: string | null;
  tags: string[];
  updatedAt: Date;
  version: number | undefined;
  contentType: ContentType;
  contentHash: string;
  charCount: number;
  chunks: Chunk[];
}
