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
  @IsString()
  @Length(1, 100)
  @Matches(/^[^\r\n\0]*$/, { message: 'name must not contain line breaks or NUL' })
  name!: string;

  @IsOptional()
  @IsBoolean()
  read_only?: boolean;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_in_days?: number;
}

export class TokenIdDto {
  @IsUUID('all', { message: 'token_id must be a UUID' })
  token_id!: string;
}
