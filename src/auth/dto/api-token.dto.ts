import { Describe } from '../../common/validation/describe.decorator';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';

export class CreateApiTokenDto {
  @Describe('A name to recognise the token by, e.g. the machine or assistant using it.')
  @IsString()
  @Length(1, 100)
  @Matches(/^[^\r\n\0]*$/, { message: 'name must not contain line breaks or NUL' })
  name!: string;

  @Describe('When true the token reaches only read-only tools and GET routes.')
  @IsOptional()
  @IsBoolean()
  read_only?: boolean;

  @Describe('Days until the token expires (1–3650); without it the token lasts until revoked.')
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_in_days?: number;
}

export class TokenIdDto {
  @Describe('Id of the API token (from list_api_tokens).')
  @IsUUID('all', { message: 'token_id must be a UUID' })
  token_id!: string;
}
