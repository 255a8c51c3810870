/** One generated demo document: where it lives in the corpus tree, its space, and its Markdown. */
export interface CorpusDocument {
  path: string;
  space: { key: string; name: string };
  markdown: string;
}
