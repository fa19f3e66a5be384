import { PasswordBlocklist } from './password-blocklist';
import {
  BCRYPT_MAX_PASSWORD_BYTES,
  checkPassword,
  normalizePassword,
  type PasswordCheck,
  type PasswordPolicyOptions,
} from './password-policy';

/** Repeats a lower-case phrase (not on the blocklist) and cuts it to `length` characters. */
function passphrase(length: number): string {
  return 'quiet harbour lanterns drift past the old mill '.repeat(8).slice(0, length);
}

function reasonOf(result: PasswordCheck): string {
  if (result.ok) {
    throw new Error('expected the password to be rejected');
  }
  return result.reason;
}

let blocklist: PasswordBlocklist;
// Hashing 414,616 entries takes a few seconds, more on a busy machine: more than jest's 5 s.
beforeAll(async () => {
  blocklist = await PasswordBlocklist.loadPackaged();
}, 60_000);

describe('PasswordBlocklist', () => {
  it('loads at least 100,000 common passwords from the packaged list', () => {
    expect(blocklist.size).toBeGreaterThanOrEqual(100_000);
  });

  it('loads the list only once', () => {
    return expect(PasswordBlocklist.loadPackaged()).resolves.toBe(blocklist);
  });

  it('matches entries regardless of case', () => {
    expect(blocklist.has('iloveyouforever')).toBe(true);
    expect(blocklist.has('ILoveYouForever')).toBe(true);
    expect(blocklist.has(passphrase(40))).toBe(false);
  });

  it('can be built from custom entries', () => {
    const custom = PasswordBlocklist.fromEntries(['Tomo-Server-2024', '']);
    expect(custom.size).toBe(1);
    expect(custom.has('tomo-server-2024')).toBe(true);
  });
});

describe('checkPassword', () => {
  const options: PasswordPolicyOptions = { minLength: 15, maxLength: 128 };
  const check = (password: string, opts: PasswordPolicyOptions = options): PasswordCheck =>
    checkPassword(password, opts, blocklist);

  describe('length', () => {
    it('rejects 14 characters when the minimum is 15', () => {
      expect(reasonOf(check(passphrase(14)))).toBe('Password must be at least 15 characters long.');
    });

    it('accepts 15 characters', () => {
      expect(check(passphrase(15))).toEqual({ ok: true });
    });

    it('accepts 64 characters', () => {
      expect(check(passphrase(64))).toEqual({ ok: true });
    });

    it('rejects 129 characters when the maximum is 128', () => {
      expect(reasonOf(check(passphrase(129)))).toBe(
        'Password must be at most 128 characters long.',
      );
    });

    it('defaults the maximum to 128 characters', () => {
      expect(reasonOf(check(passphrase(129), { minLength: 15 }))).toBe(
        'Password must be at most 128 characters long.',
      );
    });

    it('never lets the minimum drop below 8', () => {
      expect(reasonOf(check('kq7 zpx', { minLength: 4 }))).toBe(
        'Password must be at least 8 characters long.',
      );
      expect(check('kq7 zpxm', { minLength: 4 })).toEqual({ ok: true });
    });

    it('counts Unicode code points, not UTF-16 units', () => {
      const emoji = '🦊🐙🌵🍋🚲';
      expect(check(emoji.repeat(3))).toEqual({ ok: true }); // 15 code points, 30 UTF-16 units
      expect(reasonOf(check(emoji.repeat(3).slice(0, -2)))).toBe(
        'Password must be at least 15 characters long.',
      );
    });

    it('counts length after NFKC normalisation', () => {
      // "ﬀ" (U+FB00) is one code point that NFKC turns into "ff".
      const ligatures = 'ﬀ'.repeat(4) + ' lantern'; // 12 code points raw, 16 normalised
      expect(check(ligatures)).toEqual({ ok: true });
    });
  });

  describe('bcrypt 72-byte limit', () => {
    it('accepts exactly 72 ASCII bytes', () => {
      expect(check(passphrase(BCRYPT_MAX_PASSWORD_BYTES))).toEqual({ ok: true });
    });

    it('rejects 73 ASCII characters', () => {
      expect(reasonOf(check(passphrase(73)))).toMatch(/^Password is longer than 72 bytes in UTF-8/);
    });

    it('rejects 40 emoji (40 characters, 160 bytes)', () => {
      const result = check('🦊🐙🌵🍋🚲'.repeat(8));
      expect(reasonOf(result)).toMatch(/^Password is longer than 72 bytes in UTF-8/);
    });
  });

  describe('blocklist', () => {
    it.each(['qwertyuiopasdfg', '123456789012345', 'iloveyouforever', 'passwordpassword'])(
      'rejects the common password %s',
      (common) => {
        expect(reasonOf(check(common))).toBe(
          'This password is too common; choose a longer passphrase.',
        );
      },
    );

    it('ignores case', () => {
      expect(reasonOf(check('IloveYouFOREVER'))).toBe(
        'This password is too common; choose a longer passphrase.',
      );
    });

    it('compares the NFKC form (full-width letters)', () => {
      const fullWidth = 'ｑｗｅｒｔｙｕｉｏｐａｓｄｆｇ';
      expect(normalizePassword(fullWidth)).toBe('qwertyuiopasdfg');
      expect(check(fullWidth).ok).toBe(false);
    });

    it('rejects one character repeated', () => {
      expect(check('z'.repeat(20)).ok).toBe(false);
    });
  });

  describe('context words', () => {
    const withContext: PasswordPolicyOptions = {
      minLength: 15,
      contextWords: ['alice_w', 'alice@example.com', 'tomo'],
    };

    it('rejects a password containing the username, ignoring case', () => {
      expect(reasonOf(check('my login is ALICE_W, remember', withContext))).toContain('"alice_w"');
    });

    it('rejects a password containing the email address or its local part', () => {
      expect(check('write to alice@example.com today', withContext).ok).toBe(false);
      expect(reasonOf(check('alice walks the long way home', withContext))).toContain('"alice"');
    });

    it('rejects a password containing the service name', () => {
      expect(reasonOf(check('my Tomo account passphrase', withContext))).toContain('"tomo"');
    });

    it('ignores context words shorter than 3 characters', () => {
      expect(
        check('always a long quiet passphrase', { minLength: 15, contextWords: ['al', ' '] }),
      ).toEqual({
        ok: true,
      });
    });
  });

  describe('no composition rules', () => {
    it('accepts a long all-lowercase passphrase without digits or symbols', () => {
      expect(check('correct horse battery staple')).toEqual({ ok: true });
      expect(check('lanternsdriftpastthemill')).toEqual({ ok: true });
    });
  });
});

describe('prebuilt blocklist file (what npm run build writes)', () => {
  it('holds the same list as the one built from the package', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const directory = mkdtempSync(join(tmpdir(), 'tomo-blocklist-'));
    try {
      const file = join(directory, 'password-blocklist.bin');
      const written = await PasswordBlocklist.writePrebuilt(file);
      const prebuilt = PasswordBlocklist.readPrebuilt(file);
      expect(prebuilt?.size).toBe(written);
      expect(written).toBe(blocklist.size);
      for (const word of ['iloveyouforever', 'qwertyuiopasdfg', 'a quiet lantern over the river']) {
        expect(prebuilt?.has(word)).toBe(blocklist.has(word));
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it('ignores a missing or truncated file', () => {
    expect(PasswordBlocklist.readPrebuilt('/nonexistent/password-blocklist.bin')).toBeNull();
  });
});
