import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/**
 * Login attempts per client IP (REST and MCP share it). The IP is Express's `req.ip`, which
 * honours X-Forwarded-For only when TRUST_PROXY says so.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.limiter = new RateLimiterMemory({ points: config.loginRateLimitPerMinute, duration: 60 });
  }

  async consume(ip: string | null): Promise<void> {
    try {
      await this.limiter.consume(ip ?? 'unknown');
    } catch (error) {
      if (error instanceof RateLimiterRes) {
        const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
        throw new DomainError(
          'RATE_LIMITED',
          `Too many login attempts from this address; try again in ${seconds} s.`,
          { retry_after: seconds },
        );
      }
      throw error;
    }
  }
}
