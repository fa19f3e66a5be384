import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_KEY_FILE,
  auditKeyFileText,
  commitPendingAuditKey,
  discardPendingAuditKey,
  settlePendingAuditKey,
  writePendingAuditKey,
} from './audit-key-file';
import { loadConfig } from './load-config';

/**
 * Adopting a backup's audit key across a kill -9: the pending key names the prepared database;
 * at startup, that file still there means the swap did not happen (drop), gone means it did
 * (adopt), whatever step of the adoption was cut.
 */
describe('audit key file: adopting a restored backup’s key', () => {
  let dataDirectory: string;
  let keyFile: string;
  let preparedDatabase: string;
  const OLD = Buffer.from(randomBytes(32).toString('base64'));
  const NEW = Buffer.from(randomBytes(32).toString('base64'));
  const read = (suffix = '') => readFileSync(`${keyFile}${suffix}`, 'utf8');
  const load = () => loadConfig({ DATA_DIRECTORY: dataDirectory, APP_ENV: 'test' });

  beforeEach(() => {
    dataDirectory = mkdtempSync(join(tmpdir(), 'tomo-audit-key-'));
    keyFile = join(dataDirectory, AUDIT_KEY_FILE);
    writeFileSync(keyFile, `${OLD.toString()}\n`, { mode: 0o600 });
    preparedDatabase = join(dataDirectory, '.restore-prepared.db');
    writeFileSync(preparedDatabase, 'prepared');
  });

  afterEach(() => rmSync(dataDirectory, { recursive: true, force: true }));

  it('does nothing without a pending key', () => {
    expect(settlePendingAuditKey(keyFile)).toBe('none');
    expect(load().auditKey).toEqual(OLD);
  });

  it('drops the pending key when the prepared database is still there (killed before the swap)', () => {
    writePendingAuditKey(keyFile, NEW, preparedDatabase);
    expect(existsSync(`${keyFile}.restore`)).toBe(true);
    expect(statSync(`${keyFile}.restore`).mode & 0o777).toBe(0o600);
    // The pending file holds the key encoded, never the key file's text.
    expect(read('.restore')).not.toContain(NEW.toString());
    const config = load();
    expect(config.auditKey).toEqual(OLD);
    expect(config.auditKeyFile).toBe(keyFile);
    expect(existsSync(`${keyFile}.restore`)).toBe(false);
    expect(existsSync(`${keyFile}.pre-restore`)).toBe(false);
  });

  it('adopts the pending key when the prepared database is gone (killed after the swap)', () => {
    writePendingAuditKey(keyFile, NEW, preparedDatabase);
    rmSync(preparedDatabase); // renamed over the database
    expect(load().auditKey).toEqual(NEW);
    expect(read()).toBe(`${NEW.toString()}\n`);
    expect(read('.pre-restore')).toBe(`${OLD.toString()}\n`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(`${keyFile}.pre-restore`).mode & 0o777).toBe(0o600);
    expect(existsSync(`${keyFile}.restore`)).toBe(false);
  });

  it('finishes an adoption cut after the key file was replaced, keeping the replaced key', () => {
    writePendingAuditKey(keyFile, NEW, preparedDatabase);
    rmSync(preparedDatabase);
    const pending = read('.restore');
    commitPendingAuditKey(keyFile);
    // As if killed just before the pending file was removed.
    writeFileSync(`${keyFile}.restore`, pending);
    expect(settlePendingAuditKey(keyFile)).toBe('adopted');
    expect(read()).toBe(`${NEW.toString()}\n`);
    expect(read('.pre-restore')).toBe(`${OLD.toString()}\n`);
  });

  it('drops a pending file that cannot be read', () => {
    rmSync(preparedDatabase);
    writeFileSync(`${keyFile}.restore`, '{"key":"abc');
    expect(settlePendingAuditKey(keyFile)).toBe('discarded');
    expect(load().auditKey).toEqual(OLD);
  });

  it('discards a pending key on a failed restore', () => {
    writePendingAuditKey(keyFile, NEW, preparedDatabase);
    discardPendingAuditKey(keyFile);
    discardPendingAuditKey(keyFile);
    expect(existsSync(`${keyFile}.restore`)).toBe(false);
    expect(read()).toBe(`${OLD.toString()}\n`);
  });

  it('settles a pending key file even while TOMO_AUDIT_KEY is set (the file is used again later)', () => {
    writePendingAuditKey(keyFile, NEW, preparedDatabase);
    const config = loadConfig({
      DATA_DIRECTORY: dataDirectory,
      APP_ENV: 'test',
      TOMO_AUDIT_KEY: NEW.toString(),
    });
    expect(config.auditKey).toEqual(NEW);
    expect(config.auditKeyFile).toBeNull();
    expect(existsSync(`${keyFile}.restore`)).toBe(false);
    expect(read()).toBe(`${OLD.toString()}\n`);
  });

  it('writes only keys a key file can hold (its text is trimmed when read)', () => {
    expect(auditKeyFileText(NEW)).toBe(`${NEW.toString()}\n`);
    expect(auditKeyFileText(Buffer.from(' padded key of at least thirty-two bytes '))).toBeNull();
    expect(auditKeyFileText(Buffer.from([0xff, 0xfe, ...randomBytes(32)]))).toBeNull();
    expect(() =>
      writePendingAuditKey(keyFile, Buffer.from(`${NEW.toString()}\n`), preparedDatabase),
    ).toThrow();
  });
});
