import {
  DEFAULT_DOCKER_SOCKET,
  DEFAULT_STATE_FILE,
  displayUrl,
  parseCli,
  planStartup,
  UsageError,
  type AgentOptions,
} from './cli-options';

function run(argv: string[], env: Record<string, string> = {}): AgentOptions {
  const command = parseCli(argv, env);
  if (command.kind !== 'run') throw new Error(`expected run, got ${command.kind}`);
  return command.options;
}

describe('CLI options', () => {
  it('reads every flag', () => {
    expect(
      run([
        '--server',
        'wss://tomo.example/ws/agent',
        '--code',
        '7F3A-91C2',
        '--state-file',
        '/tmp/agent/state.json',
        '--docker-socket',
        '/run/docker.sock',
        '--no-exec',
        '--allow-host-network',
        '--ca-file',
        '/etc/tomo/ca.pem',
      ]),
    ).toEqual({
      serverUrl: 'wss://tomo.example/ws/agent',
      code: '7F3A-91C2',
      stateFile: '/tmp/agent/state.json',
      dockerSocket: '/run/docker.sock',
      noExec: true,
      allowHostNetwork: true,
      caFile: '/etc/tomo/ca.pem',
    });
  });

  it('accepts --flag=value and applies the defaults', () => {
    expect(run(['--server=ws://127.0.0.1:8000/ws/agent', '--code=abc'])).toEqual({
      serverUrl: 'ws://127.0.0.1:8000/ws/agent',
      code: 'abc',
      stateFile: DEFAULT_STATE_FILE,
      dockerSocket: DEFAULT_DOCKER_SOCKET,
      noExec: false,
      allowHostNetwork: false,
      caFile: undefined,
    });
  });

  it('falls back to SERVER_URL, REGISTER_CODE and TOMO_AGENT_STATE', () => {
    const options = run([], {
      SERVER_URL: 'ws://backend:8000/ws/agent',
      REGISTER_CODE: ' 7F3A ',
      TOMO_AGENT_STATE: '/tmp/s.json',
    });
    expect(options.serverUrl).toBe('ws://backend:8000/ws/agent');
    expect(options.code).toBe('7F3A');
    expect(options.stateFile).toBe('/tmp/s.json');
  });

  it('prefers flags to the environment and ignores empty variables', () => {
    const options = run(['--server', 'ws://flag/ws/agent'], {
      SERVER_URL: 'ws://env/ws/agent',
      REGISTER_CODE: '',
    });
    expect(options.serverUrl).toBe('ws://flag/ws/agent');
    expect(options.code).toBeUndefined();
  });

  it('makes relative paths absolute', () => {
    expect(run(['--state-file', 'state.json']).stateFile).toBe(`${process.cwd()}/state.json`);
  });

  it('keeps the URL exactly as given (no path appended)', () => {
    expect(run(['--server', 'ws://h:1/custom']).serverUrl).toBe('ws://h:1/custom');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['stray'], /positional/i],
    [['--server'], /argument missing/],
    [['--server', 'http://h/ws/agent'], /ws:\/\/ or wss:\/\//],
    [['--server', 'not a url'], /must be a URL/],
    [['--code', '  '], /must not be empty/],
    [['--no-exec=yes'], /does not take an argument/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(UsageError);
    expect(() => parseCli(argv, {})).toThrow(message);
  });

  it('refuses a bad SERVER_URL too', () => {
    expect(() => parseCli([], { SERVER_URL: 'ftp://x' })).toThrow(UsageError);
  });

  it('knows --help, -h and --version', () => {
    expect(parseCli(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCli(['-h'], {}).kind).toBe('help');
    expect(parseCli(['--version'], {})).toEqual({ kind: 'version' });
  });

  it('drops credentials and query from URLs it logs', () => {
    expect(displayUrl('wss://user:pw@h:1/ws/agent?x=1')).toBe('wss://h:1/ws/agent');
  });
});

describe('startup plan', () => {
  const base: AgentOptions = {
    stateFile: '/tmp/s.json',
    dockerSocket: DEFAULT_DOCKER_SOCKET,
    noExec: false,
    allowHostNetwork: false,
  };
  const state = { server_url: 'ws://stored/ws/agent' };

  it('registers on first run', () => {
    expect(planStartup({ ...base, serverUrl: 'ws://h/ws/agent', code: 'C' }, null)).toEqual({
      serverUrl: 'ws://h/ws/agent',
      handshake: 'register',
      codeIgnored: false,
      serverDiffersFromState: false,
    });
  });

  it('needs a code on first run and a server always', () => {
    expect(() => planStartup({ ...base, serverUrl: 'ws://h/ws/agent' }, null)).toThrow(
      /--code \(or REGISTER_CODE\) is required/,
    );
    expect(() => planStartup({ ...base, code: 'C' }, null)).toThrow(/--server/);
  });

  it('authenticates once a state file exists, ignoring the code', () => {
    const plan = planStartup({ ...base, serverUrl: 'ws://stored/ws/agent', code: 'C' }, state);
    expect(plan).toMatchObject({ handshake: 'authenticate', codeIgnored: true });
  });

  it('takes the server from the state file when none is given', () => {
    expect(planStartup(base, state).serverUrl).toBe('ws://stored/ws/agent');
  });

  it('uses a given server over the stored one, and says so', () => {
    const plan = planStartup({ ...base, serverUrl: 'ws://new/ws/agent' }, state);
    expect(plan).toMatchObject({ serverUrl: 'ws://new/ws/agent', serverDiffersFromState: true });
  });
});
