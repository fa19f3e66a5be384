import { OmitType } from '@nestjs/swagger';
import { IsString, IsUUID, Length, Matches, ValidateIf } from 'class-validator';
import { Describe } from '../../common/validation/describe.decorator';

const NO_CONTROL = /^[^\p{Cc}]+$/u;

export class BackupIdDto {
  @Describe('Id of the backup (from list_backups).')
  @IsUUID('all', { message: 'backup_id must be a UUID' })
  backup_id!: string;
}

export class CreateBackupDto {
  @Describe(
    'Encrypts the backup (scrypt + AES-256-GCM) and includes the key of sealed credentials, so it can be restored on another machine. 8–1024 characters; keep it: it cannot be recovered.',
  )
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(8, 1024)
  passphrase?: string;

  @Describe('A note kept with the backup (1–500 characters).')
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(1, 500)
  @Matches(NO_CONTROL, { message: 'note must not contain control characters' })
  note?: string;
}

export class RestoreBackupDto extends BackupIdDto {
  @Describe('The passphrase the backup was created with (required for an encrypted backup).')
  @ValidateIf((_object, value) => value !== undefined)
  @IsString()
  @Length(1, 1024)
  passphrase?: string;
}

export class RestoreBackupBodyDto extends OmitType(RestoreBackupDto, ['backup_id'] as const) {}
