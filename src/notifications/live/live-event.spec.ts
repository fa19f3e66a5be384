import { ADMINS, EVERYONE, inAudience, matches, parsePatterns } from './live-event';

describe('live event subscriptions', () => {
  it('matches names, prefixes and everything', () => {
    expect(matches(null, 'agent.status')).toBe(true);
    expect(matches(['*'], 'agent.status')).toBe(true);
    expect(matches(['installation.*'], 'installation.progress')).toBe(true);
    expect(matches(['installation.*'], 'agent.status')).toBe(false);
    expect(matches(['agent.status'], 'agent.status')).toBe(true);
    expect(matches(['agent.status'], 'agent.statuses')).toBe(false);
    // "install.*" is not a prefix of "installation.status": the dot belongs to the prefix.
    expect(matches(['install.*'], 'installation.status')).toBe(false);
  });

  it.each([
    [[], /1 to 32/],
    ['installation.*', /list/],
    [['installation.*', 'bad pattern'], /"bad pattern"/],
    [['agent.**'], /not an event name/],
    [[7], /7/],
    [Array.from({ length: 33 }, () => '*'), /1 to 32/],
  ])('refuses %j', (value, message) => {
    expect(parsePatterns(value)).toMatch(message);
  });

  it('accepts a list of names and patterns', () => {
    expect(parsePatterns(['installation.*', 'agent.status', '*'])).toEqual([
      'installation.*',
      'agent.status',
      '*',
    ]);
  });
});

describe('live event audiences', () => {
  const reader = { userId: 'u1', role: 'readonly' as const };
  const admin = { userId: 'u2', role: 'admin' as const };

  it('everyone, one user, or a minimum role', () => {
    expect(inAudience(EVERYONE, reader)).toBe(true);
    expect(inAudience({ kind: 'user', userId: 'u1' }, reader)).toBe(true);
    expect(inAudience({ kind: 'user', userId: 'u1' }, admin)).toBe(false);
    expect(inAudience(ADMINS, reader)).toBe(false);
    expect(inAudience(ADMINS, admin)).toBe(true);
    expect(inAudience({ kind: 'role', minimum: 'user' }, reader)).toBe(false);
  });
});
