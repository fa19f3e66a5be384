import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { DESTRUCTIVE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { BackupService } from './backup.service';
import { BACKUP_LIST_SCHEMA, BACKUP_SCHEMA, RESTORE_SCHEMA } from './backup.views';
import { BackupIdDto, CreateBackupDto, RestoreBackupDto } from './dto/backup.dto';

@Injectable()
export class BackupTools {
  constructor(private readonly backups: BackupService) {}

  @McpTool({
    name: 'create_backup',
    description:
      'Back up the database now (consistent online copy, integrity-checked). With a passphrase the file is encrypted and carries the key of sealed credentials, so it restores on another machine.',
    access: 'admin',
    toolset: 'backup',
    input: CreateBackupDto,
    output: BACKUP_SCHEMA,
    annotations: WRITE,
  })
  createBackup(actor: Actor, input: CreateBackupDto) {
    return this.backups.create(actor, input);
  }

  @McpTool({
    name: 'list_backups',
    description:
      'The backups, newest first: file name, size, checksum, encrypted, trigger (manual, schedule, upload, pre-restore), versions.',
    access: 'admin',
    toolset: 'backup',
    input: EmptyDto,
    output: BACKUP_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listBackups() {
    return this.backups.list();
  }

  @McpTool({
    name: 'restore_backup',
    description:
      'Replace the whole database with a backup (the current one is kept as a pre-restore backup). Verifies checksum and passphrase, refuses a newer schema. Every session is signed out.',
    access: 'admin',
    toolset: 'backup',
    input: RestoreBackupDto,
    output: RESTORE_SCHEMA,
    annotations: { ...DESTRUCTIVE, idempotentHint: false },
  })
  restoreBackup(actor: Actor, input: RestoreBackupDto) {
    return this.backups.restore(actor, input);
  }

  @McpTool({
    name: 'delete_backup',
    description: 'Delete a backup file and its entry.',
    access: 'admin',
    toolset: 'backup',
    input: BackupIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  deleteBackup(actor: Actor, input: BackupIdDto) {
    return this.backups.delete(actor, input);
  }
}
