import { NoBody, NoBodyDoc } from '../common/http/no-body.decorator';
import { EmptyDto } from '../common/dto/empty.dto';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '../common/auth/access.decorator';
import type { Actor } from '../common/auth/principal';
import { ApiResult } from '../common/http/api-result.decorator';
import { CurrentActor } from '../common/http/current-actor.decorator';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { AccountLockService } from './account-lock.service';
import { UnlockAccountDto } from './dto/account.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersDto } from './dto/list-users.dto';
import { ResetUserPasswordBodyDto, UpdateUserBodyDto, UserIdDto } from './dto/user-id.dto';
import { UsersService } from './users.service';
import { LOCKED_ACCOUNT_LIST_SCHEMA, USER_LIST_SCHEMA, USER_SCHEMA } from './views';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
@RequireRole('admin')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly locks: AccountLockService,
  ) {}

  @Post()
  @ApiResult(USER_SCHEMA, 201)
  create(@CurrentActor() actor: Actor, @Body() body: CreateUserDto) {
    return this.users.create(actor, body);
  }

  @Get()
  @ApiResult(USER_LIST_SCHEMA)
  list(@Query() query: ListUsersDto) {
    return this.users.list(query);
  }

  @Get('locked')
  @ApiResult(LOCKED_ACCOUNT_LIST_SCHEMA)
  listLocked() {
    return this.locks.listLocked();
  }

  @Post('unlock')
  @HttpCode(200)
  @ApiResult(SUCCESS_SCHEMA)
  unlock(@CurrentActor() actor: Actor, @Body() body: UnlockAccountDto) {
    return this.locks.unlock(actor, body.username);
  }

  @Patch(':user_id')
  @ApiResult(USER_SCHEMA)
  update(
    @CurrentActor() actor: Actor,
    @Param() params: UserIdDto,
    @Body() body: UpdateUserBodyDto,
  ) {
    return this.users.update(actor, { ...body, ...params });
  }

  @Post(':user_id/password')
  @HttpCode(200)
  @ApiResult(SUCCESS_SCHEMA)
  resetPassword(
    @CurrentActor() actor: Actor,
    @Param() params: UserIdDto,
    @Body() body: ResetUserPasswordBodyDto,
  ) {
    return this.users.resetPassword(actor, { ...body, ...params });
  }

  @Delete(':user_id')
  @ApiResult(SUCCESS_SCHEMA)
  @NoBodyDoc()
  delete(@CurrentActor() actor: Actor, @Param() params: UserIdDto, @NoBody() _body: EmptyDto) {
    return this.users.delete(actor, params);
  }
}
