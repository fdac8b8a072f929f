// The status conditions a terminating namespace carries, as Kubernetes'
// namespace deleter reports them: every pass sets all five types, True with
// what went wrong or False with the "all fine" reason, so a condition that
// failed once reads as resolved on the next pass.
import type { Namespace } from '../../src/api/core/v1.js';

export type NamespaceStatus = NonNullable<Namespace['status']>;
export type NamespaceCondition = NonNullable<NamespaceStatus['conditions']>[number];

export const conditionTypes = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;
export type NamespaceConditionType = (typeof conditionTypes)[number];

const okMessages: Record<NamespaceConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: 'All resources successfully discovered',
  NamespaceDeletionGroupVersionParsingFailure: 'All legacy kube types successfully parsed',
  NamespaceDeletionContentFailure: 'All content successfully deleted, may be waiting on finalization',
  NamespaceContentRemaining: 'All content successfully removed',
  NamespaceFinalizersRemaining: 'All content-preserving finalizers finished',
};

const okReasons: Record<NamespaceConditionType, string> = {
  NamespaceDeletionDiscoveryFailure: 'ResourcesDiscovered',
  NamespaceDeletionGroupVersionParsingFailure: 'ParsedGroupVersions',
  NamespaceDeletionContentFailure: 'ContentDeleted',
  NamespaceContentRemaining: 'ContentRemoved',
  NamespaceFinalizersRemaining: 'ContentHasNoFinalizers',
};

/** What is left of one resource, or of all, after a deletion pass. */
export interface RemainingContent {
  /** "pods." / "deployments.apps" -> instances left */
  byResource: Map<string, number>;
  /** finalizer -> instances it holds */
  byFinalizer: Map<string, number>;
}

/** RFC 3339 to the second, as metav1.Time serializes. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Collects what one deletion pass found, then turns it into conditions on the namespace. */
export class NamespaceConditionUpdater {
  private readonly newConditions: NamespaceCondition[] = [];
  private readonly deleteContentErrors: string[] = [];

  constructor(private readonly now: () => number) {}

  processDiscoverResourcesErr(message: string): void {
    this.push('NamespaceDeletionDiscoveryFailure', 'DiscoveryFailed', message);
  }

  processGroupVersionErr(message: string): void {
    this.push('NamespaceDeletionGroupVersionParsingFailure', 'GroupVersionParsingFailed', message);
  }

  processDeleteContentErr(message: string): void {
    this.deleteContentErrors.push(message);
  }

  processContentTotals(totals: RemainingContent): void {
    const resources = [...totals.byResource].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`);
    if (resources.length > 0) {
      resources.sort();
      this.push('NamespaceContentRemaining', 'SomeResourcesRemain', `Some resources are remaining: ${resources.join(', ')}`);
    }
    const finalizers = [...totals.byFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`);
    if (finalizers.length > 0) {
      finalizers.sort();
      this.push(
        'NamespaceFinalizersRemaining',
        'SomeFinalizersRemain',
        `Some content in the namespace has finalizers remaining: ${finalizers.join(', ')}`,
      );
    }
  }

  /** Writes the conditions into status; true when anything changed (and status must be saved). */
  update(status: NamespaceStatus): boolean {
    if (this.deleteContentErrors.length > 0 && !this.find(this.newConditions, 'NamespaceDeletionContentFailure')) {
      const msgs = [...this.deleteContentErrors].sort();
      this.push(
        'NamespaceDeletionContentFailure',
        'ContentDeletionFailed',
        `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
      );
    }
    const now = formatTime(this.now());
    const conditions = (status.conditions ??= []);
    let changed = false;
    for (const type of conditionTypes) {
      const next = this.find(this.newConditions, type) ?? {
        type,
        status: 'False',
        lastTransitionTime: now,
        reason: okReasons[type],
        message: okMessages[type],
      };
      const old = this.find(conditions, type);
      if (!old) {
        conditions.push(next);
        changed = true;
      } else if (old.status !== next.status || old.message !== next.message || old.reason !== next.reason) {
        if (old.status !== next.status) old.lastTransitionTime = now;
        old.status = next.status;
        old.reason = next.reason;
        old.message = next.message;
        changed = true;
      }
    }
    return changed;
  }

  private push(type: NamespaceConditionType, reason: string, message: string): void {
    this.newConditions.push({ type, status: 'True', lastTransitionTime: formatTime(this.now()), reason, message });
  }

  private find(list: NamespaceCondition[], type: string): NamespaceCondition | undefined {
    return list.find((c) => c.type === type);
  }
}
