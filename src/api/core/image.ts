// Container image references as Docker's reference grammar reads them
// (github.com/distribution/reference), reduced to what defaulting needs.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_MAX_LENGTH = 255;

export interface ImageReference {
  name: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference; undefined when Docker would reject it (e.g. upper-case repository names). */
export function parseImageReference(image: string): ImageReference | undefined {
  const m = REFERENCE.exec(image);
  if (!m) return undefined;
  const name = m[1]!;
  if (name.length > NAME_MAX_LENGTH) return undefined;
  // A bare 64-hex string is an image ID, not a repository name.
  if (/^[a-f0-9]{64}$/.test(name)) return undefined;
  return { name, tag: m[2], digest: m[3] };
}

/**
 * The tag kubelet would pull: "latest" when neither tag nor digest is given,
 * "" for a digest-only or unparsable reference (as ParseImageName reports).
 */
export function imageTag(image: string): string {
  const ref = parseImageReference(image);
  if (!ref) return '';
  if (ref.tag) return ref.tag;
  return ref.digest ? '' : 'latest';
}
