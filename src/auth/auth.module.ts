import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AUTHENTICATOR } from '../common/auth/authenticator';
import { AccountLockService } from './account-lock.service';
import { AdminBootstrap } from './admin-bootstrap';
import { ApiTokensService } from './api-tokens.service';
import { CredentialsTools } from './api-tokens.tools';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthTools } from './auth.tools';
import { CredentialsController } from './credentials.controller';
import { CredentialLookup } from './credential-lookup';
import { CredentialsService } from './credentials.service';
import { AccountLockEntity } from './entities/account-lock.entity';
import { ApiTokenEntity } from './entities/api-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { PasswordPolicyService } from './password-policy.service';
import { SessionTokens } from './session-tokens';
import { SessionsRetention } from './sessions-retention';
import { SessionsService } from './sessions.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';
import { UsersTools } from './users.tools';

/** Users, sessions, locks, API tokens, and the one Authenticator every interface uses. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity, SessionEntity, AccountLockEntity, ApiTokenEntity]),
  ],
  controllers: [AuthController, UsersController, CredentialsController],
  providers: [
    UsersService,
    SessionsService,
    SessionsRetention,
    AccountLockService,
    ApiTokensService,
    AuthService,
    PasswordHasher,
    PasswordPolicyService,
    SessionTokens,
    LoginRateLimiter,
    CredentialsService,
    CredentialLookup,
    AdminBootstrap,
    AuthTools,
    UsersTools,
    CredentialsTools,
    { provide: AUTHENTICATOR, useExisting: CredentialsService },
  ],
  exports: [AUTHENTICATOR, UsersService, AdminBootstrap],
})
export class AuthModule {}
