import { Injectable } from '@nestjs/common';
import type { Actor } from '../../common/auth/principal';
import { McpTool } from '../../mcp/mcp-tool.decorator';
import { ServerIdDto } from '../dto/server.dto';
import { REACHES_SERVER } from '../servers.tools';
import { DockerService } from './docker.service';
import { DOCKER_INSTALL_SCHEMA, DOCKER_STATUS_SCHEMA } from './docker.views';

@Injectable()
export class DockerTools {
  constructor(private readonly docker: DockerService) {}

  @McpTool({
    name: 'verify_docker',
    description:
      'Check Docker on a server: installed, daemon running, engine and API versions, Compose available.',
    access: 'user',
    toolset: 'servers',
    input: ServerIdDto,
    output: DOCKER_STATUS_SCHEMA,
    annotations: { ...REACHES_SERVER, readOnlyHint: true, idempotentHint: true },
  })
  verifyDocker(actor: Actor, input: ServerIdDto) {
    return this.docker.verify(actor, input);
  }

  @McpTool({
    name: 'install_docker',
    description:
      "Install Docker Engine with the server's package manager (Debian/Ubuntu, Fedora/RHEL family, Alpine, Arch), enable and start it, then verify. Uses sudo -n when the SSH user is not root. Reports progress; may take minutes.",
    access: 'admin',
    toolset: 'servers',
    input: ServerIdDto,
    output: DOCKER_INSTALL_SCHEMA,
    annotations: { ...REACHES_SERVER, idempotentHint: true },
  })
  installDocker(actor: Actor, input: ServerIdDto) {
    return this.docker.install(actor, input);
  }
}
