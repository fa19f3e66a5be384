import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/auth/principal';
import { EmptyDto } from '../common/dto/empty.dto';
import { SUCCESS_SCHEMA } from '../common/validation/result-schemas';
import { IDEMPOTENT_WRITE, McpTool, READ_ONLY, WRITE } from '../mcp/mcp-tool.decorator';
import { AuthService } from './auth.service';
import { ChangePasswordDto } from './dto/account.dto';
import { CreateInitialAdminDto } from './dto/create-user.dto';
import { LoginDto } from './dto/login.dto';
import { LOGIN_SCHEMA, USER_SCHEMA } from './views';

@Injectable()
export class AuthTools {
  constructor(private readonly auth: AuthService) {}

  @McpTool({
    name: 'login',
    description:
      'Log in with a username and password; returns a Bearer token (JWT) for later calls.',
    access: 'public',
    toolset: 'auth',
    input: LoginDto,
    output: LOGIN_SCHEMA,
    annotations: WRITE,
  })
  login(actor: Actor, input: LoginDto) {
    return this.auth.login(actor, input);
  }

  @McpTool({
    name: 'logout',
    description: 'End the current session; its token stops working at once.',
    access: 'readonly',
    toolset: 'auth',
    input: EmptyDto,
    output: SUCCESS_SCHEMA,
    annotations: IDEMPOTENT_WRITE,
  })
  logout(actor: Actor) {
    return this.auth.logout(actor);
  }

  @McpTool({
    name: 'get_current_user',
    description: 'The user behind the credentials of this call.',
    access: 'readonly',
    toolset: 'auth',
    input: EmptyDto,
    output: USER_SCHEMA,
    annotations: READ_ONLY,
  })
  getCurrentUser(actor: Actor) {
    return this.auth.currentUser(actor);
  }

  @McpTool({
    name: 'change_password',
    description: "Change the caller's password; every other session of the caller ends.",
    access: 'readonly',
    toolset: 'auth',
    input: ChangePasswordDto,
    output: SUCCESS_SCHEMA,
    annotations: WRITE,
  })
  changePassword(actor: Actor, input: ChangePasswordDto) {
    return this.auth.changePassword(actor, input);
  }

  @McpTool({
    name: 'create_initial_admin',
    description: 'Create the first admin. Works only while no admin exists.',
    access: 'public',
    toolset: 'auth',
    input: CreateInitialAdminDto,
    output: USER_SCHEMA,
    annotations: WRITE,
  })
  createInitialAdmin(actor: Actor, input: CreateInitialAdminDto) {
    return this.auth.createInitialAdmin(actor, input);
  }
}
