import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { EmptyDto } from '../common/dto/empty.dto';
import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Public, RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/account.dto';
import { CreateInitialAdminDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
import { LOGIN_SCHEMA, USER_SCHEMA } from './views';

@ApiTags('auth')
@Controller('api/v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('auth/login')
  @HttpCode(200)
  @Public()
  @ApiResult(LOGIN_SCHEMA)
  login(@CurrentActor() actor: Actor, @Body() body: LoginDto) {
    return this.auth.login(actor, body);
  }

  @Post('auth/logout')
  @HttpCode(200)
  @RequireRole('readonly')
  @ApiBearerAuth()
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  logout(@CurrentActor() actor: Actor, @NoBody() _body: EmptyDto) {
    return this.auth.logout(actor);
  }

  @Get('auth/me')
  @RequireRole('readonly')
  @ApiBearerAuth()
  @ApiResult(USER_SCHEMA)
  me(@CurrentActor() actor: Actor) {
    return this.auth.currentUser(actor);
  }

  @Post('auth/password')
  @HttpCode(200)
  @RequireRole('readonly')
  @ApiBearerAuth()
  @ApiResult(SUCCESS_SCHEMA)
  changePassword(@CurrentActor() actor: Actor, @Body() body: ChangePasswordDto) {
    return this.auth.changePassword(actor, body);
  }

  @Post('setup')
  @Public()
  @ApiResult(USER_SCHEMA, 201)
  setup(@CurrentActor() actor: Actor, @Body() body: CreateInitialAdminDto) {
    return this.auth.createInitialAdmin(actor, body);
  }
}
