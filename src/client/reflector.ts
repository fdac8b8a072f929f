// client-go's Reflector: keep a store equal to the server's view of one
// resource by listing, then watching from the list's resourceVersion, and
// re-watching or re-listing as the watch ends.
//
// Following client-go:
// - the first list asks for resourceVersion "0" (served from the apiserver's
//   watch cache); later relists ask for the last seen resourceVersion; if the
//   server answers 410 Expired (or "too large resource version") the list is
//   retried with "" (a consistent read);
// - lists are paged (500) unless they name a specific resourceVersion, which
//   only the watch cache serves and only unpaged; a "0" list that came back
//   paged means there is no watch cache, and later lists keep paging;
// - a watch that ends normally (server timeout) is reopened from the last
//   resourceVersion seen, bookmarks included; a 410 relists and the store is
//   replaced, so objects deleted during the gap leave the store;
// - connection failures and 429 back off exponentially before re-watching;
//   other failures back off and relist.
import type { KubeList, KubeObject, WatchEvent } from '../api/meta.js';
import { StatusError } from '../api/status.js';
import { Backoff, realClock, sleep, type Clock } from './clock.js';
import { isExpired, isTooLargeResourceVersion, isTooManyRequests } from './errors.js';
import type { SelectorInput } from './paths.js';
import type { ListOptions, ResourceRef, RestClient } from './rest.js';
import type { ReflectorStore } from './store.js';
import { watchStream, type WatchOptions } from './watch.js';

/** Where a reflector gets its data: a list call and a watch call. */
export interface ListerWatcher<T extends KubeObject> {
  list(opts: ListOptions): Promise<KubeList<T>>;
  watch(opts: WatchOptions): AsyncIterable<WatchEvent<T>>;
}

export interface ListWatchScope {
  /** one namespace; all namespaces when absent */
  namespace?: string;
  labelSelector?: SelectorInput;
  fieldSelector?: SelectorInput;
}

/** List and watch one resource through the REST client, narrowed to a namespace and selectors. */
export function listerWatcherFor<T extends KubeObject>(
  client: RestClient,
  resource: ResourceRef,
  scope: ListWatchScope = {},
): ListerWatcher<T> {
  const rc = client.resource<T>(resource);
  const selectors = {
    ...(scope.labelSelector !== undefined ? { labelSelector: scope.labelSelector } : {}),
    ...(scope.fieldSelector !== undefined ? { fieldSelector: scope.fieldSelector } : {}),
  };
  return {
    list: (opts) => rc.list(scope.namespace, { ...opts, ...selectors }),
    watch: (opts) => watchStream<T>(client, resource, scope.namespace, { ...opts, ...selectors }),
  };
}

export interface ReflectorOptions {
  /** page size for paged lists; 500 as client-go's pager */
  pageSize?: number;
  /** watches ask the server to end after between this and twice this; 300 s as client-go */
  minWatchTimeoutSeconds?: number;
  /** backoff between list+watch attempts and on connection failures; 800 ms to 30 s as client-go */
  backoff?: { initialMs?: number; maxMs?: number; resetAfterMs?: number };
  clock?: Clock;
  /** told of every failure the reflector recovers from */
  onError?: (err: unknown) => void;
  /** names the reflector in error messages */
  name?: string;
}

export class Reflector<T extends KubeObject = KubeObject> {
  private lastSyncRV = '';
  private rvUnavailable = false;
  private paginatedResult = false;
  private stopped = false;
  private readonly ctl = new AbortController();
  private running?: Promise<void>;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private readonly name: string;

  constructor(
    private readonly lw: ListerWatcher<T>,
    private readonly store: ReflectorStore<T>,
    private readonly opts: ReflectorOptions = {},
  ) {
    this.clock = opts.clock ?? realClock;
    this.name = opts.name ?? 'reflector';
    this.backoff = new Backoff({
      initialMs: opts.backoff?.initialMs ?? 800,
      maxMs: opts.backoff?.maxMs ?? 30_000,
      resetAfterMs: opts.backoff?.resetAfterMs ?? 120_000,
      clock: this.clock,
    });
  }

  /** The resourceVersion of the last list or event applied to the store. */
  lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Starts (once) and returns a promise that settles when stop() has taken effect. */
  run(): Promise<void> {
    this.running ??= this.loop();
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    this.ctl.abort();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.listAndWatch();
      } catch (err) {
        if (!this.stopped) this.report(err);
      }
      if (this.stopped) break;
      await sleep(this.backoff.next(), this.ctl.signal, this.clock);
    }
  }

  private report(err: unknown): void {
    try {
      this.opts.onError?.(err);
    } catch {
      // an error reporter that throws must not stop the reflector
    }
  }

  private relistResourceVersion(): string {
    if (this.rvUnavailable) return '';
    return this.lastSyncRV === '' ? '0' : this.lastSyncRV;
  }

  private async listAndWatch(): Promise<void> {
    await this.list();
    if (this.stopped) return;
    await this.watch();
  }

  private async list(): Promise<void> {
    const rv = this.relistResourceVersion();
    let result: { items: T[]; resourceVersion: string; paginated: boolean };
    try {
      result = await this.pagedList(rv);
    } catch (err) {
      if (!isExpired(err) && !isTooLargeResourceVersion(err)) throw err;
      this.rvUnavailable = true;
      result = await this.pagedList(this.relistResourceVersion());
    }
    if (this.stopped) return;
    if (rv === '0' && result.paginated) this.paginatedResult = true;
    this.rvUnavailable = false;
    this.store.replace(result.items, result.resourceVersion);
    this.lastSyncRV = result.resourceVersion;
  }

  private async pagedList(rv: string): Promise<{ items: T[]; resourceVersion: string; paginated: boolean }> {
    const signal = this.ctl.signal;
    let limit = this.opts.pageSize ?? 500;
    if (!this.paginatedResult && rv !== '' && rv !== '0') limit = 0;
    const first = await this.lw.list({
      ...(rv !== '' ? { resourceVersion: rv } : {}),
      ...(limit > 0 ? { limit } : {}),
      signal,
    });
    const items = [...first.items];
    const resourceVersion = first.metadata?.resourceVersion ?? '';
    let cont = first.metadata?.continue;
    let paginated = false;
    while (cont) {
      paginated = true;
      let page: KubeList<T>;
      try {
        // continuation requests carry no resourceVersion: the token pins the snapshot
        page = await this.lw.list({ continue: cont, limit, signal });
      } catch (err) {
        if (!isExpired(err)) throw err;
        // the snapshot was compacted mid-way: fall back to one unpaged list
        const full = await this.lw.list({ ...(rv !== '' ? { resourceVersion: rv } : {}), signal });
        return { items: full.items, resourceVersion: full.metadata?.resourceVersion ?? '', paginated };
      }
      items.push(...page.items);
      cont = page.metadata?.continue;
    }
    return { items, resourceVersion, paginated };
  }

  private async watch(): Promise<void> {
    const minTimeout = this.opts.minWatchTimeoutSeconds ?? 300;
    while (!this.stopped) {
      const timeoutSeconds = Math.floor(minTimeout * (1 + Math.random()));
      const start = this.clock.now();
      let events = 0;
      try {
        const stream = this.lw.watch({
          resourceVersion: this.lastSyncRV,
          timeoutSeconds,
          allowWatchBookmarks: true,
          signal: this.ctl.signal,
        });
        for await (const ev of stream) {
          if (this.stopped) return;
          events++;
          this.apply(ev);
        }
      } catch (err) {
        if (this.stopped) return;
        if (isExpired(err)) return;
        if (isTooManyRequests(err) || !(err instanceof StatusError)) {
          // the server is overloaded or unreachable: listing again would not help, waiting will
          this.report(err);
          await sleep(this.backoff.next(), this.ctl.signal, this.clock);
          continue;
        }
        this.report(err);
        return;
      }
      if (this.stopped) return;
      if (events === 0 && this.clock.now() - start < 1000) {
        this.report(new Error(`${this.name}: very short watch: unexpected watch close - watch lasted less than a second and no items received`));
        return;
      }
    }
  }

  private apply(ev: WatchEvent<T>): void {
    switch (ev.type) {
      case 'ADDED':
        this.store.add(ev.object);
        break;
      case 'MODIFIED':
        this.store.update(ev.object);
        break;
      case 'DELETED':
        this.store.delete(ev.object);
        break;
      case 'BOOKMARK':
        break;
      default:
        this.report(new Error(`${this.name}: unable to understand watch event of type ${String(ev.type)}`));
        return;
    }
    const rv = ev.object?.metadata?.resourceVersion;
    if (rv) this.lastSyncRV = rv;
  }
}
