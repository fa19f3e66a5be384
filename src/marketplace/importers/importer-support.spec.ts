import fc from 'fast-check';
import { Unrepresentable } from './importer';
import {
  applyMergeKeys,
  descriptionOf,
  InputSet,
  interpolate,
  requirePinnedImages,
  requirementsOf,
  tagsOf,
} from './importer-support';

const brackets = (name: string, fallback: string | undefined) =>
  fallback === undefined ? `<${name}>` : `<${name}|${fallback}>`;

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof Unrepresentable) return error.message;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('interpolate (Compose variables)', () => {
  it('replaces every form Compose knows', () => {
    expect(interpolate('$A ${B} ${C:-x} ${D-y} ${E:?no} ${F?no} $$G cost: 5$', brackets)).toBe(
      '<A> <B> <C|x> <D|y> <E> <F> $G cost: 5$',
    );
    expect(interpolate('${A:-${B:-z}}/data', brackets)).toBe('<A|<B|z>>/data');
    expect(interpolate('pre$A_B.c', brackets)).toBe('pre<A_B>.c');
  });

  it('refuses what a manifest string cannot hold', () => {
    expect(refusal(() => interpolate('echo $${HOME}', brackets))).toMatch(/literal \$\{…\}/);
    expect(refusal(() => interpolate('${OPEN', brackets))).toMatch(/never closed/);
    expect(refusal(() => interpolate('${A:+set}', brackets))).toMatch(/only when A is set/);
    expect(refusal(() => interpolate('${1x}', brackets))).toMatch(/not a variable reference/);
  });

  it('leaves text without a $ as it is', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !text.includes('$')),
        (text) => {
          expect(interpolate(text, brackets)).toBe(text);
        },
      ),
    );
  });
});

describe('store helpers', () => {
  it('applies YAML merge keys, the map’s own keys first', () => {
    expect(
      applyMergeKeys({
        base: { a: 1 },
        env: {
          '<<': [
            { a: 1, b: 1 },
            { b: 2, c: 2 },
          ],
          c: 3,
        },
        list: [{ '<<': { x: 1 } }],
      }),
    ).toEqual({ base: { a: 1 }, env: { a: 1, b: 1, c: 3 }, list: [{ x: 1 }] });
    expect(() => applyMergeKeys({ '<<': 'text' })).toThrow(/merge key/);
    const hostile = applyMergeKeys(JSON.parse('{"__proto__": {"polluted": true}}')) as object;
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(Object.keys(hostile)).toEqual(['__proto__']);
  });

  it('declares each input once and renames one whose name is taken', () => {
    const inputs = new InputSet();
    const secret = { name: 'SECRET', label: 'Secret', type: 'password' as const };
    expect(inputs.ref(secret, 'variables.secret')).toBe('${inputs.SECRET}');
    expect(inputs.ref(secret, 'variables.secret')).toBe('${inputs.SECRET}');
    expect(inputs.ref(secret, 'env.SECRET')).toBe('${inputs.SECRET_2}');
    expect(inputs.list()?.map((input) => input.name)).toEqual(['SECRET', 'SECRET_2']);
    expect(new InputSet().list()).toBeUndefined();
  });

  it('says plainly which image is not pinned', () => {
    const service = (image: string) => [{ name: 'app', image }];
    expect(refusal(() => requirePinnedImages(service('nginx:latest')))).toBe(
      'image nginx:latest is not pinned',
    );
    expect(refusal(() => requirePinnedImages(service('vikunja/vikunja')))).toBe(
      'image vikunja/vikunja is not pinned (no tag means :latest)',
    );
    expect(refusal(() => requirePinnedImages(service('x/y:${inputs.TAG}')))).toMatch(/a setting/);
    expect(refusal(() => requirePinnedImages(service('Bad Image')))).toMatch(/not a valid image/);
    expect(() =>
      requirePinnedImages(service(`nginx:latest@sha256:${'0'.repeat(64)}`)),
    ).not.toThrow();
  });

  it('normalises tags, descriptions and requirements', () => {
    expect(tagsOf(['Home Automation', 'home-automation', '', 42, null])).toEqual([
      'home-automation',
      '42',
    ]);
    const notes: string[] = [];
    const long = descriptionOf(`${'word '.repeat(1000)}end`, notes)!;
    expect(long.length).toBeLessThanOrEqual(4096);
    expect(long.endsWith('word…')).toBe(true);
    expect(notes).toEqual(['the description is cut to 4096 characters']);
    expect(
      requirementsOf(
        {
          services: {
            a: { deploy: { resources: { reservations: { memory: '1G' } } } },
            b: { deploy: { resources: { reservations: { memory: '256M' } } } },
            c: { image: 'x' },
          },
        },
        ['amd64'],
      ),
    ).toEqual({ memory_mb: 1280, architectures: ['amd64'] });
    expect(requirementsOf({ services: {} })).toBeUndefined();
  });
});
