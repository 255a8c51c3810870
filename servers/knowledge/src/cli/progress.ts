import type { IngestOutcome, IngestSummary } from '../index/ingest.ts';

export interface ProgressReporter {
  update(done: number, outcome: IngestOutcome): void;
  finish(): void;
}

/**
 * A one-line progress bar on stderr, redrawn at most every 100 ms, only when stderr is a terminal
 * (CI logs and pipes get the summary alone).
 */
export function progressBar(
  stream: NodeJS.WriteStream,
  total: number | undefined,
  label: string,
): ProgressReporter {
  if (!stream.isTTY) return { update() {}, finish() {} };
  let last = 0;
  let counts = { added: 0, updated: 0, unchanged: 0, failed: 0 };
  const draw = (done: number) => {
    const width = 30;
    const ratio = total === undefined || total === 0 ? 0 : Math.min(1, done / total);
    const bar = total === undefined ? '' : `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] `;
    const of = total === undefined ? `${done}` : `${done}/${total}`;
    stream.write(
      `\r${label} ${bar}${of}  +${counts.added} ~${counts.updated} =${counts.unchanged} !${counts.failed}\u001b[K`,
    );
  };
  return {
    update(done, outcome) {
      counts = { ...counts, [outcome.status]: counts[outcome.status] + 1 };
      const now = Date.now();
      if (now - last >= 100 || done === total) {
        last = now;
        draw(done);
      }
    },
    finish() {
      stream.write('\n');
    },
  };
}

export function formatSummary(summary: IngestSummary, seconds: number): string {
  const total = summary.added + summary.updated + summary.unchanged + summary.failed;
  const lines = [
    `${total} documents in ${seconds.toFixed(1)} s: ${summary.added} added, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.failed} failed`,
  ];
  for (const f of summary.failures) lines.push(`  FAILED ${f.sourceKey}: ${f.code} — ${f.message}`);
  return lines.join('\n');
}
