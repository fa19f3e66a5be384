import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { PaginationDto } from '../../common/dto/pagination.dto';
import { Describe } from '../../common/validation/describe.decorator';
import { ServerIdDto } from '../../servers/dto/server.dto';
import { INSTALLATION_STATUSES } from '../entities/installed-app.entity';

const CONFIG_DESCRIPTION =
  'Optional {inputs, ports, env, volumes} (docs/app-manifest.md): input values, "<port>/<proto>" → host port or null, env overrides, container path → host path under the data root; "<service>:" prefixes another service.';

export class InstallAppDto extends ServerIdDto {
  @Describe('Catalog id ("builtin/uptime-kuma", from search_apps) or an unambiguous app id.')
  @IsString()
  @Length(1, 160)
  @Matches(/^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)?$/, {
    message: 'app_id must look like "repository/app" or "app"',
  })
  app_id!: string;

  @Describe(CONFIG_DESCRIPTION)
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}

export class DeployAppDto extends ServerIdDto {
  @Describe('A Tomo app manifest (docs/app-manifest.md), as an object.')
  @IsObject()
  manifest!: Record<string, unknown>;

  @Describe(CONFIG_DESCRIPTION)
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}

export class InstallationIdDto {
  @Describe('Id of the installation (from list_apps).')
  @IsUUID('all', { message: 'installation_id must be a UUID' })
  installation_id!: string;
}

export class ListAppsDto extends PaginationDto {
  @Describe('Only apps on this server.')
  @IsOptional()
  @IsUUID('all', { message: 'server_id must be a UUID' })
  server_id?: string;

  @Describe(`Only apps with this status: ${INSTALLATION_STATUSES.join(', ')}.`)
  @IsOptional()
  @IsIn(INSTALLATION_STATUSES, {
    message: `status must be one of: ${INSTALLATION_STATUSES.join(', ')}`,
  })
  status?: string;
}

export class UninstallAppDto extends InstallationIdDto {
  @Describe('Also delete the named volumes (the data) of the app; default false keeps them.')
  @IsOptional()
  @IsBoolean()
  remove_volumes?: boolean;
}

export class AppLogsDto extends InstallationIdDto {
  @Describe('Lines from the end, 1–5000 (default 200).')
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  tail?: number;

  @Describe('Service name (default: the main service).')
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'service must be a service name of the app' })
  service?: string;
}

/** run_preflight_checks takes what install_app takes. */
export class PreflightDto extends InstallAppDto {}

export class UpdateAppDto extends InstallationIdDto {
  @Describe(
    'Version to move to: the version the catalog has now (catalog apps only). Omitted: the catalog version when no config is given (the "update" button), else the installed version with the new config.',
  )
  @IsOptional()
  @IsString()
  @Length(1, 64)
  version?: string;

  @Describe(
    `${CONFIG_DESCRIPTION} Merged over the current config per section (a key given replaces that key); inputs not given keep their values.`,
  )
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}
