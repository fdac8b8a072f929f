// Making sure a container's image is on the node before the container is
// created, by its imagePullPolicy (Kubernetes' imageManager.EnsureImageExists):
// Always pulls, IfNotPresent pulls when missing, Never never pulls. A failed
// pull backs off per (pod, image); the container waits with ErrImagePull,
// then ImagePullBackOff while the back-off lasts.
import type { Container, Pod } from '../src/api/core/v1.js';
import { imageTag } from '../src/api/core/image.js';
import type { EventType } from '../src/client/events.js';
import { Backoff, goDuration } from './backoff.js';
import type { ContainerRuntime } from './runtime/interface.js';

export class ImagePullError extends Error {
  constructor(
    /** the container's waiting reason: ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ImagePullError';
  }
}

export type ImageEvent = (type: EventType, reason: string, message: string) => void;

/** The pull policy the apiserver would have defaulted (Always for :latest or no tag). */
export function pullPolicy(container: Container): string {
  if (container.imagePullPolicy) return container.imagePullPolicy;
  return imageTag(container.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
}

export class ImageManager {
  constructor(
    private readonly runtime: ContainerRuntime,
    private readonly backoff: Backoff,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves once the image is present; throws ImagePullError with the container's waiting reason. */
  async ensure(pod: Pod, container: Container, event: ImageEvent): Promise<void> {
    const image = container.image ?? '';
    if (!image) throw new ImagePullError('InvalidImageName', `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`);
    const present = (await this.runtime.imageStatus(image)) !== undefined;
    const policy = pullPolicy(container);
    const shouldPull = policy === 'Always' || (policy === 'IfNotPresent' && !present);
    if (!shouldPull) {
      if (present) {
        event('Normal', 'Pulled', `Container image "${image}" already present on machine`);
        return;
      }
      const message = `Container image "${image}" is not present with pull policy of Never`;
      event('Warning', 'ErrImageNeverPull', message);
      throw new ImagePullError('ErrImageNeverPull', message);
    }
    const key = `${pod.metadata.uid ?? ''}_${image}`;
    if (this.backoff.isInBackOffSinceUpdate(key)) {
      const message = `Back-off pulling image "${image}"`;
      event('Normal', 'BackOff', message);
      throw new ImagePullError('ImagePullBackOff', message);
    }
    event('Normal', 'Pulling', `Pulling image "${image}"`);
    const started = this.now();
    try {
      await this.runtime.pullImage(image);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      event('Warning', 'Failed', `Failed to pull image "${image}": ${detail}`);
      this.backoff.next(key);
      throw new ImagePullError('ErrImagePull', detail);
    }
    const took = goDuration(this.now() - started);
    const size = (await this.runtime.imageStatus(image))?.sizeBytes ?? 0;
    event('Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`);
  }

  /** When the pull back-off of (pod, image) ends, if one is running. */
  backOffEndsAt(pod: Pod, image: string): number | undefined {
    return this.backoff.backOffEndsSinceUpdate(`${pod.metadata.uid ?? ''}_${image}`);
  }
}
