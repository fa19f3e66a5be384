import { DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box';
import { APP_CONFIG, AppConfig } from './app-config';

/**
 * Provides the configuration loaded once at startup to every module, and the SecretBox made
 * from its encryption keys (every module seals with the same one).
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: SecretBox,
          useFactory: () => new SecretBox([config.encryptionKey, ...config.encryptionKeyFallbacks]),
        },
      ],
      exports: [APP_CONFIG, SecretBox],
    };
  }
}
