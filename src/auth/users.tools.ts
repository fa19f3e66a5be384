import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import {
  DESTRUCTIVE,
  IDEMPOTENT_WRITE,
  McpTool,
  READ_ONLY,
  WRITE,
} from '../mcp/mcp-tool.decorator';
import { AccountLockService } from './account-lock.service';
import { UnlockAccountDto } from './dto/account.dto';
import { CreateUserDto } from './dto/create-user.dto';
import { ListUsersDto } from './dto/list-users.dto';
import { ResetUserPasswordDto, UpdateUserDto, UserIdDto } from './dto/user-id.dto';
import { UsersService } from './users.service';
import { LOCKED_ACCOUNT_LIST_SCHEMA, USER_LIST_SCHEMA, USER_SCHEMA } from './views';

@Injectable()
export class UsersTools {
  constructor(
    private readonly users: UsersService,
    private readonly locks: AccountLockService,
  ) {}

  @McpTool({
    name: 'create_user',
    description: 'Create a user with a role (readonly, user or admin).',
    access: 'admin',
    toolset: 'auth',
    input: CreateUserDto,
    output: USER_SCHEMA,
    annotations: WRITE,
  })
  createUser(actor: Actor, input: CreateUserDto) {
    return this.users.create(actor, input);
  }

  @McpTool({
    name: 'list_users',
    description: 'List users, oldest first.',
    access: 'admin',
    toolset: 'auth',
    input: ListUsersDto,
    output: USER_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listUsers(_actor: Actor, input: ListUsersDto) {
    return this.users.list(input);
  }

  @McpTool({
    name: 'update_user',
    description:
      "Change a user's role, email or active flag. A role change or deactivation ends the user's sessions.",
    access: 'admin',
    toolset: 'auth',
    input: UpdateUserDto,
    output: USER_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  updateUser(actor: Actor, input: UpdateUserDto) {
    return this.users.update(actor, input);
  }

  @McpTool({
    name: 'reset_user_password',
    description: "Set a new password for a user; the user's sessions end.",
    access: 'admin',
    toolset: 'auth',
    input: ResetUserPasswordDto,
    output: SUCCESS_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  resetUserPassword(actor: Actor, input: ResetUserPasswordDto) {
    return this.users.resetPassword(actor, input);
  }

  @McpTool({
    name: 'delete_user',
    description:
      'Delete a user with their sessions and API tokens. The last admin cannot be deleted.',
    access: 'admin',
    toolset: 'auth',
    input: UserIdDto,
    output: SUCCESS_SCHEMA,
    annotations: DESTRUCTIVE,
  })
  deleteUser(actor: Actor, input: UserIdDto) {
    return this.users.delete(actor, input);
  }

  @McpTool({
    name: 'list_locked_accounts',
    description: 'Accounts locked after too many failed logins.',
    access: 'admin',
    toolset: 'auth',
    input: EmptyDto,
    output: LOCKED_ACCOUNT_LIST_SCHEMA,
    annotations: READ_ONLY,
  })
  listLockedAccounts() {
    return this.locks.listLocked();
  }

  @McpTool({
    name: 'unlock_account',
    description: 'Lift the lock of an account locked after failed logins.',
    access: 'admin',
    toolset: 'auth',
    input: UnlockAccountDto,
    output: SUCCESS_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  unlockAccount(actor: Actor, input: UnlockAccountDto) {
    return this.locks.unlock(actor, input.username);
  }
}
