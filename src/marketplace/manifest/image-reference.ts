const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = 'sha256:[a-f0-9]{64}';

/** Docker's reference grammar (distribution/reference), anchored, with named parts. */
const REFERENCE = new RegExp(
  `^(?<name>(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(?<tag>${TAG}))?(?:@(?<digest>${DIGEST}))?$`,
);

export interface ImageReference {
  name: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageReference(image: string): ImageReference | null {
  if (image.length > 512) return null;
  const match = REFERENCE.exec(image);
  const name = match?.groups?.name;
  if (!match?.groups || !name || name.length > 255) return null;
  return {
    name,
    tag: match.groups.tag ?? null,
    digest: match.groups.digest ?? null,
  };
}

/**
 * Why an image cannot be used in a manifest, or null: it must parse as a Docker reference and be
 * pinned (a tag other than `latest`, or a digest), so an install is repeatable.
 */
export function checkImageReference(image: string): string | null {
  const reference = parseImageReference(image);
  if (!reference) {
    return `"${image.slice(0, 80)}" is not a valid image reference (name[:tag][@sha256:digest], lower-case name)`;
  }
  if (!reference.tag && !reference.digest) {
    return `must be pinned to a tag or digest ("${image}" has neither)`;
  }
  if (reference.tag === 'latest' && !reference.digest) {
    return 'must be pinned: ":latest" changes under you; name a version tag or a digest';
  }
  return null;
}
