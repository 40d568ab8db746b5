/**
 * A point a scripted activity stops at until the test lets it through, so the test can act while the
 * activity is in flight:
 *
 *   const load = gate();
 *   loadRun: async () => { const read = record; await load.pass(); return read; }
 *   ...; await load.reached; // the activity is in flight now
 *   ...; load.open();
 */
export interface Gate {
  /** Resolves once an activity reached the gate. */
  readonly reached: Promise<void>;
  /** Called by the activity: marks the gate reached and waits until it is opened. */
  pass(): Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let arrive: () => void = () => undefined;
  let open: () => void = () => undefined;
  const reached = new Promise<void>((r) => (arrive = r));
  const opened = new Promise<void>((r) => (open = r));
  return {
    reached,
    pass: () => {
      arrive();
      return opened;
    },
    open: () => open(),
  };
}
