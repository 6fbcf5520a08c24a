/**
 * Group commit: work submitted while `maxInFlight` transactions are already running waits
 * and then goes, together with everything else that queued up meanwhile, into the next
 * transaction. At low load each submission gets a transaction of its own; under load the
 * groups grow by themselves, so the fixed cost of a transaction (begin, dedup insert,
 * commit) is shared instead of paid per event.
 */
export interface GroupCommit<I> {
  /**
   * Resolves once committed, or with the failure when the group's transaction failed
   * (nothing of it committed); `shared` tells whether other submissions were in it.
   */
  submit(items: I[]): Promise<GroupFailure | undefined>;
}

export interface GroupFailure {
  err: unknown;
  shared: boolean;
}

export interface GroupCommitOptions<I> {
  maxInFlight: number;
  /** Most items in one transaction; a larger submission still goes alone. */
  maxItems: number;
  /** Runs every submission of the group in one transaction; each submission's items in order. */
  commit(submissions: I[][]): Promise<void>;
  onGroupFailed?(err: unknown, items: number): void;
}

interface Waiting<I> {
  items: I[];
  settle(failure: GroupFailure | undefined): void;
}

export function createGroupCommit<I>(options: GroupCommitOptions<I>): GroupCommit<I> {
  const waiting: Waiting<I>[] = [];
  let inFlight = 0;

  function takeGroup(): Waiting<I>[] {
    const group: Waiting<I>[] = [];
    let items = 0;
    while (waiting.length > 0) {
      const next = waiting[0] as Waiting<I>;
      if (group.length > 0 && items + next.items.length > options.maxItems) break;
      group.push(waiting.shift() as Waiting<I>);
      items += next.items.length;
    }
    return group;
  }

  function pump(): void {
    while (inFlight < options.maxInFlight && waiting.length > 0) {
      const group = takeGroup();
      inFlight++;
      options
        .commit(group.map((submission) => submission.items))
        .then(
          () => {
            for (const submission of group) submission.settle(undefined);
          },
          (err: unknown) => {
            options.onGroupFailed?.(
              err,
              group.reduce((sum, submission) => sum + submission.items.length, 0),
            );
            const shared = group.length > 1;
            for (const submission of group) submission.settle({ err, shared });
          },
        )
        .finally(() => {
          inFlight--;
          pump();
        });
    }
  }

  return {
    submit(items) {
      return new Promise((settle) => {
        waiting.push({ items, settle });
        pump();
      });
    },
  };
}
