// Expectations for a controller that creates and deletes in the same sync
// (Kubernetes' SetExpectations(key, add, del), as the DaemonSet controller
// uses it): creations and deletions are tracked side by side, and the
// controller counts again only once both have been observed, or expired.
import { ControllerExpectations, expectationsTimeoutMs } from './expectations.js';

export class CreateDeleteExpectations {
  private readonly creations: ControllerExpectations;
  private readonly deletions: ControllerExpectations;

  constructor(now: () => number = Date.now, ttlMs = expectationsTimeoutMs) {
    this.creations = new ControllerExpectations(now, ttlMs);
    this.deletions = new ControllerExpectations(now, ttlMs);
  }

  satisfied(key: string): boolean {
    return this.creations.satisfied(key) && this.deletions.satisfied(key);
  }

  /** Expects this many creations and the deletion of these pods (namespace/name keys), replacing what was expected. */
  expect(key: string, creations: number, podKeys: string[]): void {
    this.creations.expectCreations(key, creations);
    this.deletions.expectDeletions(key, podKeys);
  }

  creationObserved(key: string): void {
    this.creations.creationObserved(key);
  }

  deletionObserved(key: string, podKey: string): void {
    this.deletions.deletionObserved(key, podKey);
  }

  forget(key: string): void {
    this.creations.forget(key);
    this.deletions.forget(key);
  }
}
