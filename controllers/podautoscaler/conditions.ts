// The HPA's status conditions (AbleToScale, ScalingActive, ScalingLimited),
// set as Kubernetes' setConditionInList sets them: a condition keeps its
// place in the list, and its lastTransitionTime changes only with its status.

export interface HPACondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export function setCondition(
  conditions: HPACondition[],
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  nowRfc3339: string,
): HPACondition[] {
  const list = conditions.map((c) => ({ ...c }));
  let existing = list.find((c) => c.type === type);
  if (!existing) {
    existing = { type, status: '' };
    list.push(existing);
  }
  if (existing.status !== status) existing.lastTransitionTime = nowRfc3339;
  existing.status = status;
  existing.reason = reason;
  existing.message = message;
  return list;
}
