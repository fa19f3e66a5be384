import { assertPublicTarget, parseTargetUrl } from './channel-target';

describe('notification channel URLs', () => {
  it.each([
    ['ftp://example.com/x', /scheme "ftp"/],
    ['file:///etc/passwd', /scheme "file"/],
    ['https://user:pw@example.com/', /credentials/],
    ['https://example.com/#frag', /fragment/],
    ['https://exa mple.com/', /spaces/],
    ['not a url', /spaces/],
    ['example.com/hook', /http:\/\/ or https:\/\//],
  ])('refuses %s', (url, message) => {
    expect(() => parseTargetUrl(url)).toThrow(message);
  });

  it('accepts http and https with a path and query', () => {
    expect(parseTargetUrl('https://hooks.example.com/a/b?x=1').hostname).toBe('hooks.example.com');
  });

  it.each(['http://127.0.0.1:9/', 'http://[::1]/', 'http://10.1.2.3/', 'http://169.254.169.254/'])(
    'refuses the private address %s unless allowed',
    async (url) => {
      await expect(assertPublicTarget(parseTargetUrl(url), false)).rejects.toThrow(
        /notifications.allow_private_targets/,
      );
      await expect(assertPublicTarget(parseTargetUrl(url), true)).resolves.toBeUndefined();
    },
  );

  it('refuses a name that resolves to a private address, and one that does not resolve', async () => {
    const url = parseTargetUrl('https://internal.example/hook');
    await expect(
      assertPublicTarget(url, false, () => Promise.resolve(['93.184.216.34', '192.168.1.5'])),
    ).rejects.toThrow(/192\.168\.1\.5/);
    await expect(
      assertPublicTarget(url, false, () => Promise.resolve(['93.184.216.34'])),
    ).resolves.toBeUndefined();
    await expect(
      assertPublicTarget(url, false, () => Promise.reject(new Error('ENOTFOUND'))),
    ).rejects.toThrow(/does not resolve/);
  });
});
