import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import { redactText } from '../common/security/redact';
import type { ServerIdDto } from '../servers/dto/server.dto';
import { ServerConnector } from '../servers/server-connector';
import type { RouteAvailability } from './command-route';
import { CommandRouter } from './command-router';
import type { ExecuteCommandDto } from './dto/execute-command.dto';

/** execute_command → {success, output, exit_code, error, method, execution_time_ms} + truncated. */
export interface CommandResultView {
  success: boolean;
  output: string;
  exit_code: number | null;
  error: string | null;
  method: 'agent' | 'ssh';
  execution_time_ms: number;
  truncated: boolean;
}

export interface ExecutionMethodsView {
  server_id: string;
  /** What "auto" would use now. */
  preferred: 'agent' | 'ssh';
  methods: RouteAvailability[];
}

/** The audit row keeps this much of the command text. */
const AUDITED_COMMAND_CHARS = 2000;

@Injectable()
export class CommandsService {
  constructor(
    private readonly router: CommandRouter,
    private readonly connector: ServerConnector,
    private readonly audit: AuditService,
  ) {}

  /** Runs the command; every run is audited with its text (secrets redacted) and outcome. */
  async execute(actor: Actor, dto: ExecuteCommandDto): Promise<CommandResultView> {
    const server = await this.connector.load(dto.server_id);
    const timeoutSeconds = dto.timeout_seconds ?? 120;
    const audited = redactText(dto.command).slice(0, AUDITED_COMMAND_CHARS);
    const started = process.hrtime.bigint();
    try {
      const run = await this.router.run(dto.server_id, dto.command, dto.method ?? 'auto', {
        timeoutMs: timeoutSeconds * 1000,
        server,
      });
      const success = run.exitCode === 0 && !run.timedOut;
      const error = run.timedOut
        ? `Timed out after ${timeoutSeconds} s; the remote process group was killed.`
        : run.exitCode === null
          ? `Ended by signal ${run.signal ?? 'unknown'}.`
          : run.exitCode !== 0
            ? `Exited with code ${run.exitCode}.`
            : null;
      const view: CommandResultView = {
        success,
        output: run.output,
        exit_code: run.exitCode,
        error,
        method: run.method,
        execution_time_ms: Math.round(run.durationMs * 100) / 100,
        truncated: run.truncated,
      };
      await this.audit.recordOutcome(
        actor,
        'command.executed',
        { type: 'server', id: dto.server_id },
        success,
        {
          command: audited,
          method: run.method,
          exit_code: run.exitCode,
          duration_ms: view.execution_time_ms,
          timed_out: run.timedOut,
          truncated: run.truncated,
        },
      );
      return view;
    } catch (error) {
      await this.audit.recordOutcome(
        actor,
        'command.executed',
        { type: 'server', id: dto.server_id },
        false,
        {
          command: audited,
          duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
          error: error instanceof DomainError ? error.code : 'INTERNAL',
        },
      );
      throw error;
    }
  }

  async methods(dto: ServerIdDto): Promise<ExecutionMethodsView> {
    await this.connector.load(dto.server_id);
    const methods = await this.router.methods(dto.server_id);
    const agent = methods.find((method) => method.method === 'agent');
    return {
      server_id: dto.server_id,
      preferred: agent?.available ? 'agent' : 'ssh',
      methods,
    };
  }
}
