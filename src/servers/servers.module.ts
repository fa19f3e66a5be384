import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CredentialRotation } from './credentials/credential-rotation';
import { ServerCredentials } from './credentials/server-credentials';
import { DockerService } from './docker/docker.service';
import { DockerTools } from './docker/docker.tools';
import { ServerConnector } from './server-connector';
import { ServerEntity } from './server.entity';
import { ServerStatusMonitor } from './server-status-monitor';
import { ServersController } from './servers.controller';
import { ServersService } from './servers.service';
import { ServersTools } from './servers.tools';
import { SshPool } from './ssh/ssh-pool';

/** The server inventory: sealed credentials, the SSH pool, host-key pinning, Docker. */
@Module({
  imports: [TypeOrmModule.forFeature([ServerEntity])],
  controllers: [ServersController],
  providers: [
    ServersService,
    ServerConnector,
    ServerCredentials,
    CredentialRotation,
    SshPool,
    DockerService,
    ServerStatusMonitor,
    ServersTools,
    DockerTools,
  ],
  exports: [ServersService, ServerConnector, CredentialRotation, SshPool],
})
export class ServersModule {}
