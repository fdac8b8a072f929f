import { describe, expect, it } from 'vitest';
import { ControllerExpectations } from './expectations.js';

describe('expectations', () => {
  it('hold a controller back until every creation it asked for is observed', () => {
    const e = new ControllerExpectations();
    expect(e.satisfied('ns/rs')).toBe(true);
    e.expectCreations('ns/rs', 2);
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('count a deletion once, and only for a pod the controller deleted', () => {
    const e = new ControllerExpectations();
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/other');
    expect(e.satisfied('ns/rs')).toBe(false);
    e.deletionObserved('ns/rs', 'ns/b');
    expect(e.satisfied('ns/rs')).toBe(true);
  });

  it('expire, so a lost event cannot wedge the controller', () => {
    let now = 0;
    const e = new ControllerExpectations(() => now, 1000);
    e.expectCreations('ns/rs', 1);
    now = 999;
    expect(e.satisfied('ns/rs')).toBe(false);
    now = 1001;
    expect(e.satisfied('ns/rs')).toBe(true);
  });
});
