import { quoteArg, shellCommand } from '../../common/shell/shell-quote';
import type { SettledProbe, SettleOptions } from './settle';

const FORMAT =
  '{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.RestartCount}}|{{.State.ExitCode}}';

/**
 * The health wait of the SSH route as one shell loop run on the server, so it costs one SSH
 * session instead of one per poll: `docker inspect` every 100 ms for 3 s, then every 500 ms, until
 * the container is healthy
 * (or, without a healthcheck, running with no restart for `stableMs`), unhealthy, stopped, or
 * `maxMs` passed. Time comes from /proc/uptime in hundredths of a second. Prints
 * `state|health|restarts|exit code|settled(0/1)`. Every value is a quoted word or a number.
 */
export function settleScript(container: string, options: SettleOptions, sudo: boolean): string {
  const docker = `${sudo ? 'sudo -n ' : ''}docker inspect --format ${quoteArg(FORMAT)} -- "$c"`;
  const script = [
    `c=${quoteArg(container)}; want=${options.health ? 1 : 0};`,
    `stable=${Math.ceil(options.stableMs / 10)}; max=${Math.ceil(options.maxMs / 10)};`,
    'now() { read u _ < /proc/uptime; echo "${u%.*}${u#*.}"; };',
    'start=$(now); since=; rc=;',
    'while :; do',
    // stdout only: a warning on stderr (sudo, docker config) must not become the state.
    `o=$(${docker} 2>/dev/null) || { ${docker} 2>&1 | tail -n 2; exit 3; };`,
    'st=${o%%|*}; r=${o#*|}; he=${r%%|*}; r=${r#*|}; n=${r%%|*}; t=$(now);',
    'case "$st" in exited|dead) echo "$o|1"; exit 0;; esac;',
    'if [ "$he" = unhealthy ]; then echo "$o|1"; exit 0; fi;',
    'if [ $want = 1 ]; then if [ "$he" = healthy ]; then echo "$o|1"; exit 0; fi;',
    'elif [ "$st" = running ]; then',
    'if [ "$n" != "$rc" ]; then rc=$n; since=$t; elif [ $((t - since)) -ge $stable ]; then echo "$o|1"; exit 0; fi;',
    'else rc=; fi;',
    'if [ $((t - start)) -ge $max ]; then echo "$o|0"; exit 0; fi;',
    'if [ $((t - start)) -lt 300 ]; then sleep 0.1; else sleep 0.5; fi;',
    'done',
  ].join(' ');
  return shellCommand(['sh', '-c', script]);
}

export function parseSettled(output: string): SettledProbe {
  const line = output.trim().split('\n').at(-1) ?? '';
  const [state = '', health = '', restarts = '0', exitCode = '', settled = '0'] = line.split('|');
  return {
    state,
    health: health || null,
    restartCount: Number(restarts) || 0,
    exitCode: exitCode === '' ? null : Number(exitCode),
    settled: settled === '1',
  };
}
