import { describe, expect, it } from 'vitest';
import type { SwitchEvent } from './esl-wire';
import { EventSubscription, eventTypeOf } from './event-subscription';

function ev(name: string, headers: Array<[string, string]> = []): SwitchEvent {
  return { name, headers: [['Event-Name', name], ...headers] };
}

describe('eventTypeOf', () => {
  it('knows FreeSWITCH names case-insensitively, with or without SWITCH_EVENT_', () => {
    expect(eventTypeOf('channel_create')).toBe('CHANNEL_CREATE');
    expect(eventTypeOf('SWITCH_EVENT_HEARTBEAT')).toBe('HEARTBEAT');
    expect(eventTypeOf('NOT_AN_EVENT')).toBeNull();
  });
});

describe('EventSubscription', () => {
  it('adds up subscriptions; the last format wins', () => {
    const s = new EventSubscription();
    expect(s.wants(ev('HEARTBEAT'))).toBe(false);
    expect(s.subscribe(['plain', 'HEARTBEAT'])).toBe('+OK event listener enabled plain');
    expect(s.subscribe(['json', 'CHANNEL_CREATE', 'BOGUS'])).toBe('+OK event listener enabled json');
    expect(s.format).toBe('json');
    expect(s.wants(ev('HEARTBEAT'))).toBe(true);
    expect(s.wants(ev('CHANNEL_CREATE'))).toBe(true);
    expect(s.wants(ev('CHANNEL_ANSWER'))).toBe(false);
  });

  it('refuses a list with no valid name, yet switches the format as the switch does', () => {
    const s = new EventSubscription();
    expect(s.subscribe(['json', 'BOGUS'])).toBe('-ERR no keywords supplied');
    expect(s.format).toBe('json');
    expect(s.subscribe([])).toBe('-ERR no keywords supplied');
  });

  it('nixevent and noevents', () => {
    const s = new EventSubscription();
    s.subscribe(['plain', 'ALL']);
    expect(s.unsubscribe(['HEARTBEAT'])).toBe('+OK events nixed');
    expect(s.wants(ev('HEARTBEAT'))).toBe(false);
    expect(s.wants(ev('CHANNEL_ANSWER'))).toBe(true);
    expect(s.unsubscribe(['NOPE'])).toBe('-ERR no keywords supplied');
    expect(s.clear()).toBe('+OK no longer listening for events');
    expect(s.wants(ev('CHANNEL_ANSWER'))).toBe(false);
    expect(s.clear()).toBe('-ERR not listening for events');
  });

  it('filters: exact replies, positive match, veto, regex, delete', () => {
    const s = new EventSubscription();
    s.subscribe(['plain', 'ALL']);
    expect(s.filter('Unique-ID abc')).toBe('+OK filter added. [Unique-ID]=[abc]');
    expect(s.filter('Event-Name BACKGROUND_JOB')).toBe('+OK filter added. [Event-Name]=[BACKGROUND_JOB]');
    expect(s.wants(ev('CHANNEL_CREATE', [['Unique-ID', 'abc']]))).toBe(true);
    expect(s.wants(ev('CHANNEL_CREATE', [['Unique-ID', 'ABC']]))).toBe(true);
    expect(s.wants(ev('CHANNEL_CREATE', [['Unique-ID', 'other']]))).toBe(false);
    expect(s.wants(ev('BACKGROUND_JOB'))).toBe(true);
    expect(s.wants(ev('HEARTBEAT'))).toBe(false);

    expect(s.filter('variable_tag -blocked')).toBe('+OK filter added. [variable_tag]=[-blocked]');
    expect(
      s.wants(
        ev('CHANNEL_CREATE', [
          ['Unique-ID', 'abc'],
          ['variable_tag', 'blocked'],
        ]),
      ),
    ).toBe(false);

    expect(s.filter('delete Unique-ID abc')).toBe('+OK filter deleted. [Unique-ID][abc]');
    expect(s.wants(ev('CHANNEL_CREATE', [['Unique-ID', 'abc']]))).toBe(false);
    expect(s.filter('Unique-ID /^ab/')).toBe('+OK filter added. [Unique-ID]=[/^ab/]');
    expect(s.wants(ev('CHANNEL_CREATE', [['Unique-ID', 'abz']]))).toBe(true);

    expect(s.filter('delete all')).toBe('+OK filter deleted. [all][]');
    expect(s.wants(ev('HEARTBEAT'))).toBe(true);
    expect(s.filter('lonely')).toBe('-ERR invalid syntax');
  });
});
