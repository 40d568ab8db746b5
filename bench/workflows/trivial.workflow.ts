import { proxyActivities } from '@temporalio/workflow';

/** The ceiling reference: the cheapest useful workflow, one activity. Bundled only by the bench. */
export interface TrivialActivities {
  noop(n: number): Promise<number>;
}

const { noop } = proxyActivities<TrivialActivities>({ startToCloseTimeout: '30 seconds' });

export async function trivial(n: number): Promise<number> {
  return noop(n);
}
