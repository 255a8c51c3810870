import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from './record.ts';

export const SPOOL_FILE = 'audit-spool.jsonl';
export const LOCK_FILE = 'audit-spool.lock';
const NEWLINE = 0x0a;
/** Spool directories held by this process (the lock file cannot tell two owners in one process apart). */
const heldHere = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A bounded, fsync'd, append-only local file of audit records (JSON lines) that could not be
 * written to PostgreSQL. Records are replayed in order from `readOffset`; the file is truncated
 * once everything in it has been stored. One process per directory (enforced with a lock file).
 */
export class Spool {
  readonly path: string;
  private readonly dir: string;
  private readonly lockPath: string;
  private readonly maxBytes: number;
  private handle: FileHandle | undefined;
  private size = 0;
  private readOffset = 0;
  /** Lines that could not be parsed while replaying (kept for forensics, counted in a metric). */
  corruptLines = 0;

  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.path = join(dir, SPOOL_FILE);
    this.lockPath = join(dir, LOCK_FILE);
    this.maxBytes = maxBytes;
  }

  /** Bytes on disk (what the cap applies to). */
  get bytes(): number {
    return this.size;
  }

  /** Whether records are waiting to be replayed. */
  get hasPending(): boolean {
    return this.readOffset < this.size;
  }

  get capacityBytes(): number {
    return this.maxBytes;
  }

  /** Takes the directory's lock, opens the file and cuts a torn last line left by a crash. */
  async open(): Promise<{ repairedBytes: number }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.lock();
    this.handle = await open(this.path, 'a+', 0o600);
    this.size = (await this.handle.stat()).size;
    let repairedBytes = 0;
    if (this.size > 0) {
      const last = await this.lastNewline();
      if (last + 1 < this.size) {
        repairedBytes = this.size - (last + 1);
        await this.handle.truncate(last + 1);
        await this.handle.sync();
        this.size = last + 1;
      }
    }
    return { repairedBytes };
  }

  /**
   * Appends as many records as fit under the cap (in order) and fsyncs; returns how many were
   * written. The caller keeps the rest.
   */
  async append(records: readonly AuditRecord[]): Promise<number> {
    const handle = this.requireOpen();
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (const record of records) {
      const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
      if (this.size + bytes + line.length > this.maxBytes) break;
      chunks.push(line);
      bytes += line.length;
    }
    if (chunks.length === 0) return 0;
    const data = Buffer.concat(chunks);
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, null);
      written += bytesWritten;
    }
    await handle.sync();
    this.size += bytes;
    return chunks.length;
  }

  /** Reads up to `maxRows` records from the replay position without consuming them. */
  async peek(maxRows: number): Promise<{ records: AuditRecord[]; endOffset: number }> {
    const handle = this.requireOpen();
    const records: AuditRecord[] = [];
    let offset = this.readOffset;
    let chunkSize = 256 * 1024;
    while (records.length < maxRows && offset < this.size) {
      const length = Math.min(chunkSize, this.size - offset);
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      const view = buffer.subarray(0, bytesRead);
      let start = 0;
      let consumed = false;
      while (records.length < maxRows) {
        const end = view.indexOf(NEWLINE, start);
        if (end < 0) break;
        const line = view.subarray(start, end).toString('utf8');
        start = end + 1;
        consumed = true;
        if (line.trim() === '') continue;
        try {
          records.push(JSON.parse(line) as AuditRecord);
        } catch {
          this.corruptLines += 1;
        }
      }
      if (!consumed) {
        // One line longer than the chunk: read a bigger chunk.
        chunkSize *= 2;
        continue;
      }
      offset += start;
    }
    return { records, endOffset: offset };
  }

  /** Marks everything before `endOffset` as stored; empties the file once all of it is. */
  async consume(endOffset: number): Promise<void> {
    this.readOffset = endOffset;
    if (this.readOffset >= this.size) {
      const handle = this.requireOpen();
      await handle.truncate(0);
      await handle.sync();
      this.size = 0;
      this.readOffset = 0;
    }
  }

  async close(): Promise<void> {
    if (this.handle) {
      await this.handle.close();
      this.handle = undefined;
      await rm(this.lockPath, { force: true });
      heldHere.delete(this.lockPath);
    }
  }

  private requireOpen(): FileHandle {
    if (!this.handle) throw new Error('audit spool is not open');
    return this.handle;
  }

  private async lastNewline(): Promise<number> {
    const handle = this.requireOpen();
    let end = this.size;
    const chunk = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const index = chunk.subarray(0, bytesRead).lastIndexOf(NEWLINE);
      if (index >= 0) return start + index;
      end = start;
    }
    return -1;
  }

  private async lock(): Promise<void> {
    if (heldHere.has(this.lockPath)) {
      throw new Error(`AUDIT_SPOOL_DIR ${this.dir} is already used by another audit trail in this process`);
    }
    await this.takeLock();
    heldHere.add(this.lockPath);
  }

  private async takeLock(): Promise<void> {
    const owner = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() });
    try {
      await writeFile(this.lockPath, owner, { flag: 'wx', mode: 0o600 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { pid?: number; host?: string } = {};
    try {
      holder = JSON.parse(await readFile(this.lockPath, 'utf8')) as typeof holder;
    } catch {
      // Unreadable lock: treat as stale.
    }
    const alive =
      typeof holder.pid === 'number' &&
      holder.pid !== process.pid &&
      holder.host === hostname() &&
      processAlive(holder.pid);
    if (alive) {
      throw new Error(
        `AUDIT_SPOOL_DIR ${this.dir} is in use by process ${holder.pid}; give every replica its own spool directory`,
      );
    }
    await writeFile(this.lockPath, owner, { mode: 0o600 });
  }
}
